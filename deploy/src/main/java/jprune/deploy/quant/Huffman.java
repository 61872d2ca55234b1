package jprune.deploy.quant;

import java.util.Arrays;

/**
 * A canonical Huffman code over int symbols in [0, alphabetSize), alphabetSize ≤ {@value #MAX_ALPHABET}.
 *
 * <p>Code lengths come from symbol frequencies by package-merge (Larmore and Hirschberg), which
 * gives the optimal prefix code under a cap on the code length, here at most
 * {@value #MAX_CODE_LENGTH} bits. Package-merge was chosen over the usual heuristics (clamp, then
 * repair the Kraft sum) because it is provably optimal, has no special cases, and costs only
 * O(symbols · maxLength); when the cap does not bind it returns an ordinary Huffman code's cost.
 * A lone used symbol gets a 1-bit code so every coded symbol takes at least one bit, which bounds
 * the work a decoder can be made to do by the stream's length.
 *
 * <p>Codes are canonical (shorter codes first, then by symbol), so the code-length table alone
 * defines the code. The table is serialized as the alphabet size (Elias gamma) followed by runs of
 * equal lengths, each a 5-bit length and an Elias-gamma run count: a few bits for the long zero runs
 * of a sparse alphabet. Bits are written most significant first.
 *
 * <p>Decoding is for untrusted data: a table that is not a complete prefix code (Kraft sum ≠ 1,
 * except the 1-bit lone symbol), lengths or runs out of range, a bit pattern that is no code, a
 * truncated stream or trailing garbage all throw {@link CorruptStreamException}; every decoded
 * symbol consumes at least one bit, and nothing is allocated beyond the caller's stated maxima.
 * The byte-array form ends with a stop bit ({@link BitWriter#terminate()}), so decoding with a
 * count other than the one encoded is always detected.
 */
public final class Huffman {
    public static final int MAX_ALPHABET = 65536;
    public static final int MAX_CODE_LENGTH = 24;

    private final int[] lengths;
    private final int[] codes;
    private final int maxLength;
    /** countPerLength[l] = number of symbols with an l-bit code. */
    private final int[] countPerLength;
    /** Used symbols ordered by (length, symbol): the canonical order the decoder indexes into. */
    private final int[] canonicalOrder;

    private Huffman(int[] lengths) {
        this.lengths = lengths;
        this.countPerLength = new int[MAX_CODE_LENGTH + 1];
        int max = 0, used = 0;
        for (int l : lengths) {
            if (l > 0) {
                countPerLength[l]++;
                used++;
                max = Math.max(max, l);
            }
        }
        this.maxLength = max;
        int[] next = new int[MAX_CODE_LENGTH + 2];
        int[] start = new int[MAX_CODE_LENGTH + 2];
        int code = 0;
        for (int l = 1; l <= MAX_CODE_LENGTH; l++) {
            code = (code + countPerLength[l - 1]) << 1;
            next[l] = code;
            start[l + 1] = start[l] + countPerLength[l];
        }
        this.codes = new int[lengths.length];
        this.canonicalOrder = new int[used];
        for (int s = 0; s < lengths.length; s++) {
            int l = lengths[s];
            if (l == 0) continue;
            codes[s] = next[l]++;
            canonicalOrder[start[l]++] = s;
        }
    }

    /** The optimal code for these frequencies with codes of at most {@value #MAX_CODE_LENGTH} bits. */
    public static Huffman fromFrequencies(long[] frequencies) {
        return fromFrequencies(frequencies, MAX_CODE_LENGTH);
    }

    /** The optimal code for these frequencies with codes of at most maxCodeLength bits. */
    public static Huffman fromFrequencies(long[] frequencies, int maxCodeLength) {
        return new Huffman(codeLengths(frequencies, maxCodeLength));
    }

    /** The code fitted to the symbols' own frequencies. */
    public static Huffman fromSymbols(int[] symbols, int alphabetSize) {
        checkAlphabet(alphabetSize);
        long[] freq = new long[alphabetSize];
        for (int s : symbols) {
            if (s < 0 || s >= alphabetSize) throw new IllegalArgumentException("symbol " + s + " outside the alphabet [0, " + alphabetSize + ")");
            freq[s]++;
        }
        return fromFrequencies(freq);
    }

    /** The canonical code with these lengths (0 = symbol unused), which must form a complete prefix code. */
    public static Huffman fromCodeLengths(int[] lengths) {
        checkAlphabet(lengths.length);
        String problem = lengthsProblem(lengths);
        if (problem != null) throw new IllegalArgumentException(problem);
        return new Huffman(lengths.clone());
    }

    /**
     * Optimal code lengths (0 for unused symbols) under a length cap, by package-merge. Each level
     * of the algorithm merges the sorted leaves with pairs ("packages") of the level below; the 2n−2
     * cheapest items of the top level select, level by level, how many times each leaf is chosen,
     * which is its code length. Only the leaf/package pattern of each level is kept.
     */
    public static int[] codeLengths(long[] frequencies, int maxCodeLength) {
        checkAlphabet(frequencies.length);
        if (maxCodeLength < 1 || maxCodeLength > MAX_CODE_LENGTH)
            throw new IllegalArgumentException("maximum code length must be in [1, " + MAX_CODE_LENGTH + "], got " + maxCodeLength);
        int n = 0;
        long total = 0;
        for (int s = 0; s < frequencies.length; s++) {
            long f = frequencies[s];
            if (f < 0) throw new IllegalArgumentException("frequency of symbol " + s + " is negative: " + f);
            if (f > 0) n++;
            total += f;
            // Package weights reach about maxCodeLength × total, which must not overflow.
            if (total > (1L << 56)) throw new IllegalArgumentException("frequencies sum to more than 2^56");
        }
        int[] lengths = new int[frequencies.length];
        if (n == 0) return lengths;
        if ((long) n > 1L << maxCodeLength)
            throw new IllegalArgumentException(n + " used symbols cannot all get codes of at most " + maxCodeLength + " bits");
        int[] bySize = new int[n];
        for (int s = 0, i = 0; s < frequencies.length; s++) if (frequencies[s] > 0) bySize[i++] = s;
        if (n == 1) {
            lengths[bySize[0]] = 1;
            return lengths;
        }
        bySize = Arrays.stream(bySize).boxed()
                .sorted((a, b) -> frequencies[a] != frequencies[b] ? Long.compare(frequencies[a], frequencies[b]) : Integer.compare(a, b))
                .mapToInt(Integer::intValue).toArray();
        long[] leaves = new long[n];
        for (int i = 0; i < n; i++) leaves[i] = frequencies[bySize[i]];

        boolean[][] isLeaf = new boolean[maxCodeLength + 1][];
        long[] below = leaves;
        isLeaf[maxCodeLength] = new boolean[n];
        Arrays.fill(isLeaf[maxCodeLength], true);
        for (int level = maxCodeLength - 1; level >= 1; level--) {
            int packages = below.length / 2;
            long[] merged = new long[n + packages];
            boolean[] leaf = new boolean[n + packages];
            int li = 0, pi = 0;
            for (int k = 0; k < merged.length; k++) {
                long pw = pi < packages ? below[2 * pi] + below[2 * pi + 1] : Long.MAX_VALUE;
                if (li < n && leaves[li] <= pw) {
                    merged[k] = leaves[li++];
                    leaf[k] = true;
                } else {
                    merged[k] = pw;
                    pi++;
                }
            }
            isLeaf[level] = leaf;
            below = merged;
        }
        int take = 2 * n - 2;
        for (int level = 1; level <= maxCodeLength && take > 0; level++) {
            boolean[] leaf = isLeaf[level];
            if (take > leaf.length) throw new IllegalStateException("package-merge ran out of items at level " + level);
            int chosenLeaves = 0;
            for (int k = 0; k < take; k++) if (leaf[k]) chosenLeaves++;
            for (int i = 0; i < chosenLeaves; i++) lengths[bySize[i]]++;
            take = 2 * (take - chosenLeaves);
        }
        return lengths;
    }

    public int alphabetSize() {
        return lengths.length;
    }

    /** Length in bits of the symbol's code, 0 if it has none. */
    public int codeLength(int symbol) {
        return lengths[symbol];
    }

    public int[] codeLengths() {
        return lengths.clone();
    }

    /** The symbol's code, right-aligned in codeLength(symbol) bits. */
    public int code(int symbol) {
        return codes[symbol];
    }

    /** The longest code length in use (0 when no symbol is used). */
    public int maxCodeLength() {
        return maxLength;
    }

    /** Bits the payload takes for these symbol frequencies (the table not included). */
    public long payloadBits(long[] frequencies) {
        if (frequencies.length != lengths.length) throw new IllegalArgumentException(frequencies.length + " frequencies for an alphabet of " + lengths.length);
        long bits = 0;
        for (int s = 0; s < lengths.length; s++) {
            if (frequencies[s] > 0 && lengths[s] == 0) throw new IllegalArgumentException("symbol " + s + " occurs but has no code");
            bits += frequencies[s] * lengths[s];
        }
        return bits;
    }

    public void encodeSymbol(int symbol, BitWriter out) {
        if (symbol < 0 || symbol >= lengths.length) throw new IllegalArgumentException("symbol " + symbol + " outside the alphabet [0, " + lengths.length + ")");
        int l = lengths[symbol];
        if (l == 0) throw new IllegalArgumentException("symbol " + symbol + " has no code (its frequency was 0)");
        out.writeBits(codes[symbol], l);
    }

    public void encode(int[] symbols, BitWriter out) {
        for (int s : symbols) encodeSymbol(s, out);
    }

    /** Reads one symbol, walking the canonical code one bit at a time (at most maxCodeLength bits). */
    public int decodeSymbol(BitReader in) throws CorruptStreamException {
        int code = 0, first = 0, index = 0;
        for (int l = 1; l <= maxLength; l++) {
            code |= in.readBit();
            int count = countPerLength[l];
            if (code - first < count) return canonicalOrder[index + code - first];
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        throw new CorruptStreamException(maxLength == 0 ? "the code has no symbols, so nothing can be decoded"
                : "bits before bit " + in.position() + " match no code");
    }

    /** Reads count symbols; count is checked against the bits left (each symbol takes at least one). */
    public int[] decode(BitReader in, int count) throws CorruptStreamException {
        if (count < 0) throw new IllegalArgumentException("symbol count must be >= 0, got " + count);
        if (count > in.bitsRemaining())
            throw new CorruptStreamException("stream too short: " + count + " symbols need at least " + count + " bits, only " + in.bitsRemaining() + " remain");
        int[] out = new int[count];
        for (int i = 0; i < count; i++) out[i] = decodeSymbol(in);
        return out;
    }

    public void writeTable(BitWriter out) {
        out.writeEliasGamma(lengths.length);
        for (int i = 0; i < lengths.length; ) {
            int j = i + 1;
            while (j < lengths.length && lengths[j] == lengths[i]) j++;
            out.writeBits(lengths[i], 5);
            out.writeEliasGamma(j - i);
            i = j;
        }
    }

    /** Reads a table written by {@link #writeTable}, rejecting alphabets larger than maxAlphabetSize. */
    public static Huffman readTable(BitReader in, int maxAlphabetSize) throws CorruptStreamException {
        checkAlphabet(maxAlphabetSize);
        int size = in.readEliasGamma(maxAlphabetSize);
        int[] lengths = new int[size];
        for (int i = 0; i < size; ) {
            int l = in.readBits(5);
            if (l > MAX_CODE_LENGTH) throw new CorruptStreamException("code length " + l + " at bit " + (in.position() - 5) + " exceeds " + MAX_CODE_LENGTH);
            int run = in.readEliasGamma(size - i);
            Arrays.fill(lengths, i, i + run, l);
            i += run;
        }
        String problem = lengthsProblem(lengths);
        if (problem != null) throw new CorruptStreamException("corrupt code table: " + problem);
        return new Huffman(lengths);
    }

    /** Table, payload and stop bit, for symbols in [0, alphabetSize) coded with their own frequencies. */
    public static byte[] encode(int[] symbols, int alphabetSize) {
        Huffman h = fromSymbols(symbols, alphabetSize);
        BitWriter w = new BitWriter();
        h.writeTable(w);
        h.encode(symbols, w);
        w.terminate();
        return w.toByteArray();
    }

    /**
     * Decodes exactly count symbols from a stream made by {@link #encode(int[], int)}; the stream must
     * end there (its stop bit and padding follow), so a wrong count is always detected.
     */
    public static int[] decode(byte[] data, int count, int maxAlphabetSize) throws CorruptStreamException {
        BitReader in = new BitReader(data);
        Huffman h = readTable(in, maxAlphabetSize);
        int[] out = h.decode(in, count);
        in.expectTerminator();
        return out;
    }

    private static void checkAlphabet(int size) {
        if (size < 1 || size > MAX_ALPHABET) throw new IllegalArgumentException("alphabet size must be in [1, " + MAX_ALPHABET + "], got " + size);
    }

    /** Why these lengths are not a usable code, or null: lengths in range and a complete prefix code. */
    private static String lengthsProblem(int[] lengths) {
        long kraft = 0; // in units of 2^-MAX_CODE_LENGTH
        int used = 0, lone = -1;
        for (int s = 0; s < lengths.length; s++) {
            int l = lengths[s];
            if (l < 0 || l > MAX_CODE_LENGTH) return "code length " + l + " of symbol " + s + " is outside [0, " + MAX_CODE_LENGTH + "]";
            if (l == 0) continue;
            used++;
            lone = s;
            kraft += 1L << (MAX_CODE_LENGTH - l);
        }
        if (used == 0) return null;
        if (used == 1) return lengths[lone] == 1 ? null : "a lone symbol must have a 1-bit code, symbol " + lone + " has " + lengths[lone];
        long full = 1L << MAX_CODE_LENGTH;
        if (kraft > full) return "code lengths oversubscribe the code space (Kraft sum " + (double) kraft / full + " > 1)";
        if (kraft < full) return "code lengths leave part of the code space unused (Kraft sum " + (double) kraft / full + " < 1)";
        return null;
    }
}
