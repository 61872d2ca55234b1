package jprune.deploy.quant;

/**
 * Codes the positions of a flattened weight's nonzeros as Huffman-coded gaps, in the spirit of Deep
 * Compression's relative indexing.
 *
 * <p>Each nonzero is coded by its gap, the number of zeros skipped since the previous nonzero (or
 * since the start). Gaps are symbols in [0, cap); a gap g ≥ cap is written as ⌊g/cap⌋ escape
 * symbols (symbol cap, meaning "skip cap zeros, no nonzero here") followed by g mod cap. This is
 * Deep Compression's filler-zero trick without storing the filler, and it keeps the alphabet at
 * cap + 1 symbols. The escape count is the unary part of a Golomb code, so once cap exceeds the
 * typical gap the escapes cost almost nothing; the Huffman code then fits the actual gap
 * distribution, which for a random mask is within a few hundredths of a bit of the entropy.
 *
 * <p>Stream: 4 bits log2(cap), the Huffman table ({@link Huffman#writeTable}), the symbols, a stop
 * bit and zero padding ({@link BitWriter#terminate()}). Decoding checks everything: the cap, the
 * table, that every position is below n, and that the stop bit follows the count-th position, so a
 * stream decoded with the wrong count is always rejected. The count and n are not stored: they
 * belong to the container that holds the layer.
 */
public final class SparsePositions {
    /** The largest cap is 2^15, so the alphabet (cap + 1) stays well inside Huffman's limit. */
    public static final int MAX_CAP_LOG2 = 15;

    private SparsePositions() {}

    /** The indices of the nonzero entries (−0.0 counts as zero), ascending. */
    public static int[] nonzeroPositions(float[] dense) {
        int count = 0;
        for (float v : dense) if (v != 0f) count++;
        int[] pos = new int[count];
        for (int i = 0, k = 0; i < dense.length; i++) if (dense[i] != 0f) pos[k++] = i;
        return pos;
    }

    /**
     * The cap that makes the stream smallest, found by pricing every power of two from 2 up to eight
     * times the mean run (gap + 1), table included. The trade-off is not monotone: a small cap spends
     * escapes on ordinary gaps, a large one spends table bits describing rare long gaps one by one
     * (on a 1%-dense mask cap 64 beats cap 512 by half a bit per nonzero), so it is measured rather
     * than guessed. Pricing is cheap: one pass over the gaps and one small Huffman build per candidate.
     */
    public static int bestCap(int[] sortedPositions, int n) {
        int[] gaps = gaps(sortedPositions, n);
        if (gaps.length == 0) return 2;
        double meanRun = (double) n / gaps.length;
        int maxLog2 = Math.max(1, Math.min(MAX_CAP_LOG2, (int) Math.ceil(Math.log(8 * meanRun) / Math.log(2))));
        int best = 2;
        long bestBits = Long.MAX_VALUE;
        for (int log2 = 1; log2 <= maxLog2; log2++) {
            int cap = 1 << log2;
            long[] freq = new long[cap + 1];
            for (int g : gaps) {
                freq[g & (cap - 1)]++;
                freq[cap] += g >>> log2;
            }
            Huffman h = Huffman.fromFrequencies(freq);
            BitWriter table = new BitWriter();
            h.writeTable(table);
            long bits = table.bitCount() + h.payloadBits(freq);
            if (bits < bestBits) {
                bestBits = bits;
                best = cap;
            }
        }
        return best;
    }

    /** Codes strictly increasing positions in [0, n) with the cap that makes the stream smallest ({@link #bestCap}). */
    public static byte[] encode(int[] sortedPositions, int n) {
        return encode(sortedPositions, n, bestCap(sortedPositions, n));
    }

    /** Codes strictly increasing positions in [0, n) with gaps capped at cap, a power of two in [2, 2^15]. */
    public static byte[] encode(int[] sortedPositions, int n, int cap) {
        if (cap < 2 || cap > 1 << MAX_CAP_LOG2 || Integer.bitCount(cap) != 1)
            throw new IllegalArgumentException("gap cap must be a power of two in [2, " + (1 << MAX_CAP_LOG2) + "], got " + cap);
        int[] gaps = gaps(sortedPositions, n);
        long symbols = 0;
        for (int g : gaps) symbols += g / cap + 1;
        int[] sym = new int[Math.toIntExact(symbols)];
        int k = 0;
        for (int g : gaps) {
            for (; g >= cap; g -= cap) sym[k++] = cap; // escape: skip cap zeros
            sym[k++] = g;
        }
        Huffman h = Huffman.fromSymbols(sym, cap + 1);
        BitWriter w = new BitWriter();
        w.writeBits(Integer.numberOfTrailingZeros(cap), 4);
        h.writeTable(w);
        h.encode(sym, w);
        w.terminate();
        return w.toByteArray();
    }

    /** Zeros skipped before each position; validates that positions are strictly increasing in [0, n). */
    private static int[] gaps(int[] sortedPositions, int n) {
        if (n < 0) throw new IllegalArgumentException("length must be >= 0, got " + n);
        int[] gaps = new int[sortedPositions.length];
        for (int i = 0, prev = -1; i < sortedPositions.length; i++) {
            int p = sortedPositions[i];
            if (p <= prev || p >= n)
                throw new IllegalArgumentException("positions must be strictly increasing and in [0, " + n + "): position " + i + " is " + p + " after " + prev);
            gaps[i] = p - prev - 1;
            prev = p;
        }
        return gaps;
    }

    /**
     * Decodes count positions of a length-n weight. The result is strictly increasing and below n;
     * a stream that cannot produce that, or does not end right after it, is corrupt.
     */
    public static int[] decode(byte[] data, int n, int count) throws CorruptStreamException {
        if (n < 0) throw new IllegalArgumentException("length must be >= 0, got " + n);
        if (count < 0 || count > n) throw new IllegalArgumentException("count must be in [0, " + n + "], got " + count);
        BitReader in = new BitReader(data);
        int log2 = in.readBits(4);
        if (log2 < 1 || log2 > MAX_CAP_LOG2) throw new CorruptStreamException("gap cap 2^" + log2 + " is outside [2, 2^" + MAX_CAP_LOG2 + "]");
        int cap = 1 << log2;
        Huffman h = Huffman.readTable(in, cap + 1);
        if (h.alphabetSize() != cap + 1)
            throw new CorruptStreamException("gap alphabet has " + h.alphabetSize() + " symbols, expected " + (cap + 1) + " for cap " + cap);
        if (count > in.bitsRemaining())
            throw new CorruptStreamException("stream too short for " + count + " positions: " + in.bitsRemaining() + " bits remain");
        int[] out = new int[count];
        long next = 0; // the first position the next gap counts from
        for (int i = 0; i < count; i++) {
            int s;
            while ((s = h.decodeSymbol(in)) == cap) {
                next += cap;
                if (next >= n) throw new CorruptStreamException("escapes skip past the end (" + n + ") before position " + i);
            }
            long p = next + s;
            if (p >= n) throw new CorruptStreamException("position " + i + " decodes to " + p + ", outside [0, " + n + ")");
            out[i] = (int) p;
            next = p + 1;
        }
        in.expectTerminator();
        return out;
    }
}
