package jprune.deploy.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SparsePositionsTest {
    static int[] randomMask(Random rnd, int n, double density) {
        float[] dense = new float[n];
        for (int i = 0; i < n; i++) if (rnd.nextDouble() < density) dense[i] = 1f;
        return SparsePositions.nonzeroPositions(dense);
    }

    static double binaryEntropy(double p) {
        return p <= 0 || p >= 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p)) / Math.log(2);
    }

    @Property(tries = 150)
    void roundTripsAnyMaskAndCap(@ForAll long seed, @ForAll @IntRange(min = 0, max = 5000) int n,
                                 @ForAll @DoubleRange(min = 0, max = 1) double density, @ForAll @IntRange(min = 0, max = 15) int capLog2)
            throws CorruptStreamException {
        int[] pos = randomMask(new Random(seed), n, density * density); // squared: many very sparse masks, long gaps
        byte[] coded = capLog2 == 0 ? SparsePositions.encode(pos, n) : SparsePositions.encode(pos, n, 1 << capLog2);
        assertArrayEquals(pos, SparsePositions.decode(coded, n, pos.length));
    }

    @Test
    void edgeMasksRoundTrip() throws CorruptStreamException {
        for (int[] pos : new int[][] {{}, {0}, {99_999}, {0, 99_999}, {50_000, 50_001}}) {
            for (int cap : new int[] {2, 64, 1 << 15})
                assertArrayEquals(pos, SparsePositions.decode(SparsePositions.encode(pos, 100_000, cap), 100_000, pos.length));
        }
        int[] all = new int[1000];
        for (int i = 0; i < all.length; i++) all[i] = i;
        assertArrayEquals(all, SparsePositions.decode(SparsePositions.encode(all, 1000), 1000, 1000));
        assertArrayEquals(new int[0], SparsePositions.decode(SparsePositions.encode(new int[0], 0), 0, 0));
    }

    @Test
    void invalidPositionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> SparsePositions.encode(new int[] {3, 3}, 10));
        assertThrows(IllegalArgumentException.class, () -> SparsePositions.encode(new int[] {5, 2}, 10));
        assertThrows(IllegalArgumentException.class, () -> SparsePositions.encode(new int[] {10}, 10));
        assertThrows(IllegalArgumentException.class, () -> SparsePositions.encode(new int[] {-1}, 10));
        assertThrows(IllegalArgumentException.class, () -> SparsePositions.encode(new int[] {1}, 10, 48));
        assertThrows(IllegalArgumentException.class, () -> SparsePositions.decode(new byte[4], 10, 11));
    }

    @Property(tries = 100)
    void aStreamForAnotherLengthOrCountIsCaught(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int delta) {
        Random rnd = new Random(seed);
        int n = 1 + rnd.nextInt(3000);
        int[] pos = randomMask(rnd, n, rnd.nextDouble());
        byte[] coded = SparsePositions.encode(pos, n);
        if (pos.length > 0) {
            int last = pos[pos.length - 1];
            assertThrows(CorruptStreamException.class, () -> SparsePositions.decode(coded, last, Math.min(last, pos.length))); // a position ≥ n
        }
        if (pos.length >= delta) assertThrows(CorruptStreamException.class, () -> SparsePositions.decode(coded, n, pos.length - delta));
        if (pos.length + delta <= n) assertThrows(CorruptStreamException.class, () -> SparsePositions.decode(coded, n, pos.length + delta));
    }

    @Test
    @Timeout(60) // a guard against a hang, not a speed assertion
    void randomCorruptionsDecodeToValidPositionsOrThrow() {
        Random rnd = new Random(17);
        int thrown = 0;
        for (int trial = 0; trial < 500; trial++) {
            int n = 1 + rnd.nextInt(3000);
            int[] pos = randomMask(rnd, n, rnd.nextDouble() * 0.3);
            byte[] data = HuffmanTest.corrupt(rnd, SparsePositions.encode(pos, n, 1 << (1 + rnd.nextInt(8))));
            try {
                int[] out = SparsePositions.decode(data, n, pos.length);
                assertEquals(pos.length, out.length);
                for (int i = 0; i < out.length; i++) assertTrue(out[i] < n && (i == 0 ? out[i] >= 0 : out[i] > out[i - 1]));
            } catch (CorruptStreamException e) {
                thrown++;
            }
        }
        assertTrue(thrown > 250, "only " + thrown + " of 500 corruptions detected");
    }

    /**
     * Measured (seeded random masks of 266,200 entries, the size of LeNet-300-100's first layer),
     * header and table included, against the entropy bound n·H(p)/count:
     * 10% dense: 4.746 bits per nonzero vs 4.708 (cap 32); 5%: 5.777 vs 5.739 (cap 64);
     * 1%: 8.123 vs 8.046 (cap 64). Under 1% above the bound on the first two: Huffman's loss on a
     * geometric gap distribution plus the table. For scale, CSR's 16-bit column indices cost 16.
     */
    @Test
    void randomMasksCodeCloseToTheEntropyBound() throws CorruptStreamException {
        int n = 266_200;
        for (double p : new double[] {0.10, 0.05, 0.01}) {
            int[] pos = randomMask(new Random(Double.hashCode(p)), n, p);
            byte[] coded = SparsePositions.encode(pos, n);
            assertArrayEquals(pos, SparsePositions.decode(coded, n, pos.length));
            double bitsPerNonzero = 8.0 * coded.length / pos.length;
            double density = (double) pos.length / n, bound = n * binaryEntropy(density) / pos.length;
            System.out.printf("SparsePositions %.0f%% dense (%d of %d, cap %d): %.3f bits/nonzero, entropy bound %.3f%n",
                    100 * p, pos.length, n, SparsePositions.bestCap(pos, n), bitsPerNonzero, bound);
            assertTrue(bitsPerNonzero >= bound && bitsPerNonzero < bound * 1.02, bitsPerNonzero + " vs bound " + bound);
        }
    }
}
