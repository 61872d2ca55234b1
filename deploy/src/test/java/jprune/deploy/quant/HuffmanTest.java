package jprune.deploy.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.PriorityQueue;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class HuffmanTest {
    /** Symbols from one of several shapes of distribution, chosen by the seed. */
    static int[] randomSymbols(Random rnd, int count, int alphabet) {
        int shape = rnd.nextInt(4);
        double p = 0.05 + 0.9 * rnd.nextDouble();
        int[] s = new int[count];
        for (int i = 0; i < count; i++) {
            s[i] = switch (shape) {
                case 0 -> rnd.nextInt(alphabet);
                case 1 -> (int) Math.min(alphabet - 1, Math.floor(Math.log(1 - rnd.nextDouble()) / Math.log(1 - p))); // geometric
                case 2 -> rnd.nextInt(Math.min(alphabet, 1 + rnd.nextInt(4))); // a handful of symbols
                default -> rnd.nextDouble() < p ? 0 : rnd.nextInt(alphabet); // one dominant symbol
            };
        }
        return s;
    }

    static long[] frequencies(int[] symbols, int alphabet) {
        long[] f = new long[alphabet];
        for (int s : symbols) f[s]++;
        return f;
    }

    static double entropyBits(long[] freq) {
        double total = Arrays.stream(freq).sum(), bits = 0;
        for (long f : freq) if (f > 0) bits -= f * (Math.log(f / total) / Math.log(2));
        return bits;
    }

    /** Total cost of an unconstrained Huffman code: the sum of all merged weights (the classic identity). */
    static long huffmanCost(long[] freq) {
        PriorityQueue<Long> q = new PriorityQueue<>();
        for (long f : freq) if (f > 0) q.add(f);
        if (q.size() == 1) return q.peek();
        long cost = 0;
        while (q.size() > 1) {
            long a = q.poll() + q.poll();
            cost += a;
            q.add(a);
        }
        return cost;
    }

    @Property(tries = 150)
    void roundTripsAnySymbolsIncludingEmptyAndLoneSymbol(@ForAll long seed, @ForAll @IntRange(min = 1, max = 600) int alphabet,
                                                         @ForAll @IntRange(min = 0, max = 3000) int count) throws CorruptStreamException {
        int[] symbols = randomSymbols(new Random(seed), count, alphabet);
        byte[] coded = Huffman.encode(symbols, alphabet);
        assertArrayEquals(symbols, Huffman.decode(coded, count, alphabet));
    }

    @Test
    void singleSymbolAlphabetCostsOneBitPerSymbol() throws CorruptStreamException {
        int[] symbols = new int[1000];
        Huffman h = Huffman.fromSymbols(symbols, 1);
        assertEquals(1, h.codeLength(0));
        BitWriter w = new BitWriter();
        h.encode(symbols, w);
        assertEquals(1000, w.bitCount());
        assertArrayEquals(symbols, Huffman.decode(Huffman.encode(symbols, 1), 1000, 1));
        assertArrayEquals(new int[0], Huffman.decode(Huffman.encode(new int[0], 1), 0, 1));
    }

    @Property(tries = 200)
    void codeIsCompletePrefixFreeAndOptimal(@ForAll long seed, @ForAll @IntRange(min = 2, max = 2000) int alphabet) {
        Random rnd = new Random(seed);
        long[] freq = frequencies(randomSymbols(rnd, 1 + rnd.nextInt(20_000), alphabet), alphabet);
        Huffman h = Huffman.fromFrequencies(freq);
        long used = Arrays.stream(freq).filter(f -> f > 0).count();
        // Codes as bit strings: sorted lexicographically, a prefix would sit right before its extension.
        String[] codes = new String[(int) used];
        double kraft = 0;
        for (int s = 0, i = 0; s < alphabet; s++) {
            int l = h.codeLength(s);
            assertEquals(freq[s] > 0, l > 0, "symbol " + s);
            if (l == 0) continue;
            String bits = Integer.toBinaryString(h.code(s));
            codes[i++] = "0".repeat(l - bits.length()) + bits;
            kraft += Math.pow(2, -l);
        }
        Arrays.sort(codes);
        for (int i = 1; i < codes.length; i++) assertFalse(codes[i].startsWith(codes[i - 1]), codes[i - 1] + " is a prefix of " + codes[i]);
        assertEquals(used == 1 ? 0.5 : 1.0, kraft, 1e-12);
        long bits = h.payloadBits(freq);
        double total = Arrays.stream(freq).sum(), entropy = entropyBits(freq);
        // Under one bit above the entropy, except with a lone symbol: entropy 0, and its code still costs one bit.
        boolean withinOneBit = used == 1 ? bits == total : bits / total < entropy / total + 1;
        assertTrue(bits >= entropy - 1e-6 && withinOneBit, "average " + bits / total + " vs entropy " + entropy / total);
        // When the cap does not bind, package-merge must cost exactly what Huffman's algorithm costs.
        if (h.maxCodeLength() < Huffman.MAX_CODE_LENGTH) assertEquals(huffmanCost(freq), bits);
    }

    @Test
    void lengthCapBindsOnFibonacciFrequenciesAndStaysComplete() throws CorruptStreamException {
        // Fibonacci weights force an unconstrained Huffman tree as deep as there are symbols.
        int n = 40;
        long[] freq = new long[n];
        freq[0] = freq[1] = 1;
        for (int i = 2; i < n; i++) freq[i] = freq[i - 1] + freq[i - 2];
        for (int cap : new int[] {6, 10, 24}) {
            Huffman h = Huffman.fromFrequencies(freq, cap);
            assertEquals(cap, h.maxCodeLength());
            double kraft = 0;
            for (int s = 0; s < n; s++) kraft += Math.pow(2, -h.codeLength(s));
            assertEquals(1.0, kraft, 1e-12);
            assertTrue(h.payloadBits(freq) >= huffmanCost(freq));
        }
        // A tighter cap can only cost more; package-merge is optimal for each cap.
        assertTrue(Huffman.fromFrequencies(freq, 6).payloadBits(freq) > Huffman.fromFrequencies(freq, 10).payloadBits(freq));
        assertThrows(IllegalArgumentException.class, () -> Huffman.fromFrequencies(freq, 5)); // 40 symbols need 6 bits
        // Round trip through the table with the capped code.
        Huffman h = Huffman.fromFrequencies(freq, 8);
        BitWriter w = new BitWriter();
        h.writeTable(w);
        int[] symbols = new int[n];
        for (int i = 0; i < n; i++) symbols[i] = n - 1 - i;
        h.encode(symbols, w);
        w.terminate();
        BitReader r = new BitReader(w.toByteArray());
        assertArrayEquals(symbols, Huffman.readTable(r, n).decode(r, n));
        r.expectTerminator();
    }

    @Test
    void cappedCodeMatchesExhaustiveSearchOnSmallAlphabets() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + rnd.nextInt(6);
            long[] freq = new long[n];
            for (int i = 0; i < n; i++) freq[i] = 1 + (long) Math.pow(2, rnd.nextInt(12)) + rnd.nextInt(5);
            int cap = Math.max(32 - Integer.numberOfLeadingZeros(n - 1), 1 + rnd.nextInt(n - 1));
            assertEquals(bestCost(freq, cap, new int[n], 0), Huffman.fromFrequencies(freq, cap).payloadBits(freq), "freq " + Arrays.toString(freq) + " cap " + cap);
        }
    }

    /** Cheapest complete assignment of lengths in [1, cap] (Kraft sum exactly 1), by brute force. */
    static long bestCost(long[] freq, int cap, int[] len, int i) {
        if (i == len.length) {
            double kraft = 0;
            long cost = 0;
            for (int s = 0; s < len.length; s++) {
                kraft += Math.pow(2, -len[s]);
                cost += freq[s] * len[s];
            }
            return kraft == 1.0 ? cost : Long.MAX_VALUE;
        }
        long best = Long.MAX_VALUE;
        for (int l = 1; l <= cap; l++) {
            len[i] = l;
            best = Math.min(best, bestCost(freq, cap, len, i + 1));
        }
        return best;
    }

    @Test
    void fullAlphabetOf65536SymbolsRoundTrips() throws CorruptStreamException {
        Random rnd = new Random(3);
        int[] symbols = new int[200_000];
        for (int i = 0; i < symbols.length; i++) symbols[i] = i < Huffman.MAX_ALPHABET ? i : (int) Math.min(65535, Math.abs(rnd.nextGaussian()) * 3000);
        assertArrayEquals(symbols, Huffman.decode(Huffman.encode(symbols, Huffman.MAX_ALPHABET), symbols.length, Huffman.MAX_ALPHABET));
    }

    @Test
    void reportsBitsAgainstEntropy() {
        Random rnd = new Random(11);
        int alphabet = 256;
        for (double p : new double[] {0.02, 0.1, 0.4}) {
            int[] s = new int[266_200];
            for (int i = 0; i < s.length; i++) s[i] = (int) Math.min(alphabet - 1, Math.floor(Math.log(1 - rnd.nextDouble()) / Math.log(1 - p)));
            long[] f = frequencies(s, alphabet);
            long payload = Huffman.fromFrequencies(f).payloadBits(f);
            long total = 8L * Huffman.encode(s, alphabet).length;
            double h = entropyBits(f) / s.length;
            System.out.printf("Huffman, geometric p=%.2f over %d symbols: entropy %.4f bits/symbol, payload %.4f, with table %.4f%n",
                    p, s.length, h, (double) payload / s.length, (double) total / s.length);
            assertTrue((double) payload / s.length < h + 0.1);
        }
    }

    @Test
    void truncationIsAlwaysDetected() {
        Random rnd = new Random(5);
        int[] symbols = randomSymbols(rnd, 500, 40);
        byte[] full = Huffman.encode(symbols, 40);
        for (int len = 0; len < full.length; len++) {
            byte[] cut = Arrays.copyOf(full, len);
            assertThrows(CorruptStreamException.class, () -> Huffman.decode(cut, symbols.length, 40), "cut at " + len);
        }
    }

    @Test
    @Timeout(60) // a guard against a hang, not a speed assertion
    void randomCorruptionsDecodeOrThrowTheDocumentedException() {
        Random rnd = new Random(13);
        int thrown = 0, decoded = 0;
        for (int trial = 0; trial < 600; trial++) {
            int alphabet = 1 + rnd.nextInt(300), count = rnd.nextInt(400);
            int[] symbols = randomSymbols(rnd, count, alphabet);
            byte[] data = corrupt(rnd, Huffman.encode(symbols, alphabet));
            try {
                int[] out = Huffman.decode(data, count, alphabet);
                assertEquals(count, out.length);
                for (int s : out) assertTrue(s >= 0 && s < alphabet);
                decoded++;
            } catch (CorruptStreamException e) {
                assertNotNull(e.getMessage());
                thrown++;
            }
        }
        assertTrue(thrown > 300, "only " + thrown + " corruptions detected, " + decoded + " decoded");
    }

    /** A random bit flip, byte overwrite, insertion, deletion or truncation (or several). */
    static byte[] corrupt(Random rnd, byte[] data) {
        byte[] d = data.clone();
        int edits = 1 + rnd.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int kind = rnd.nextInt(5);
            if (d.length == 0) kind = 2;
            int at = d.length == 0 ? 0 : rnd.nextInt(d.length);
            d = switch (kind) {
                case 0 -> {
                    d[at] ^= (byte) (1 << rnd.nextInt(8));
                    yield d;
                }
                case 1 -> {
                    d[at] = (byte) rnd.nextInt(256);
                    yield d;
                }
                case 2 -> {
                    byte[] n = new byte[d.length + 1];
                    System.arraycopy(d, 0, n, 0, at);
                    n[at] = (byte) rnd.nextInt(256);
                    System.arraycopy(d, at, n, at + 1, d.length - at);
                    yield n;
                }
                case 3 -> {
                    byte[] n = new byte[d.length - 1];
                    System.arraycopy(d, 0, n, 0, at);
                    System.arraycopy(d, at + 1, n, at, d.length - at - 1);
                    yield n;
                }
                default -> Arrays.copyOf(d, at);
            };
        }
        return d;
    }

    @Test
    void corruptTablesAreRejected() {
        // Oversubscribed: three 1-bit codes.
        assertThrows(CorruptStreamException.class, () -> Huffman.readTable(reader(table(new int[] {1, 1, 1})), 3));
        // Incomplete: two 2-bit codes leave half the code space unused.
        assertThrows(CorruptStreamException.class, () -> Huffman.readTable(reader(table(new int[] {2, 2})), 2));
        // A lone symbol with a 3-bit code.
        assertThrows(CorruptStreamException.class, () -> Huffman.readTable(reader(table(new int[] {0, 3})), 2));
        // Alphabet larger than the caller allows.
        assertThrows(CorruptStreamException.class, () -> Huffman.readTable(reader(table(new int[] {1, 1, 0, 0})), 3));
        // A length of 25 (5 bits can say up to 31).
        BitWriter w = new BitWriter();
        w.writeEliasGamma(1);
        w.writeBits(25, 5);
        w.writeEliasGamma(1);
        assertThrows(CorruptStreamException.class, () -> Huffman.readTable(new BitReader(w.toByteArray()), 1));
        // A run longer than the alphabet.
        BitWriter r = new BitWriter();
        r.writeEliasGamma(2);
        r.writeBits(1, 5);
        r.writeEliasGamma(3);
        assertThrows(CorruptStreamException.class, () -> Huffman.readTable(new BitReader(r.toByteArray()), 2));
    }

    @Property(tries = 100)
    void decodingWithAnyOtherCountIsDetected(@ForAll long seed, @ForAll @IntRange(min = 1, max = 20) int alphabet,
                                             @ForAll @IntRange(min = 0, max = 200) int count, @ForAll @IntRange(min = -5, max = 5) int delta) {
        int[] symbols = randomSymbols(new Random(seed), count, alphabet);
        byte[] coded = Huffman.encode(symbols, alphabet);
        if (delta == 0 || count + delta < 0) return;
        assertThrows(CorruptStreamException.class, () -> Huffman.decode(coded, count + delta, alphabet));
    }

    @Test
    void aCountTheStreamCannotHoldIsRejectedBeforeAllocating() {
        byte[] coded = Huffman.encode(new int[] {0, 1, 1, 0}, 2);
        assertThrows(CorruptStreamException.class, () -> Huffman.decode(coded, Integer.MAX_VALUE, 2));
        assertThrows(IllegalArgumentException.class, () -> Huffman.decode(coded, -1, 2));
    }

    @Test
    void invalidArgumentsAreRejectedWithTheirValues() {
        assertThrows(IllegalArgumentException.class, () -> Huffman.fromSymbols(new int[] {3}, 3));
        assertThrows(IllegalArgumentException.class, () -> Huffman.fromFrequencies(new long[Huffman.MAX_ALPHABET + 1]));
        assertThrows(IllegalArgumentException.class, () -> Huffman.fromFrequencies(new long[] {1, -1}));
        assertThrows(IllegalArgumentException.class, () -> Huffman.fromCodeLengths(new int[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> Huffman.fromFrequencies(new long[] {1, 0}).encodeSymbol(1, new BitWriter()));
    }

    static byte[] table(int[] lengths) {
        BitWriter w = new BitWriter();
        w.writeEliasGamma(lengths.length);
        for (int l : lengths) {
            w.writeBits(l, 5);
            w.writeEliasGamma(1);
        }
        return w.toByteArray();
    }

    static BitReader reader(byte[] b) {
        return new BitReader(b);
    }
}
