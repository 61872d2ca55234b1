package jprune.deploy.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class KMeansQuantizerTest {
    static float[] prunedGaussian(Random rnd, int n, double density) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) if (rnd.nextDouble() < density) w[i] = (float) (rnd.nextGaussian() * 0.05);
        return w;
    }

    @Property(tries = 100)
    void zerosStayZeroAndEveryOtherWeightTakesItsNearestCentroid(@ForAll long seed, @ForAll @IntRange(min = 2, max = 8) int bits,
                                                                 @ForAll @IntRange(min = 0, max = 3000) int n) {
        Random rnd = new Random(seed);
        float[] w = prunedGaussian(rnd, n, rnd.nextDouble());
        SharedWeights s = new KMeansQuantizer(bits).quantize(w);
        float[] c = s.codebook(), d = s.decode();
        assertEquals(1 << bits, c.length);
        for (int j = 1; j < c.length; j++) assertTrue(c[j - 1] <= c[j], "codebook not sorted: " + Arrays.toString(c));
        int[] pos = s.positions(), codes = s.codes();
        assertArrayEquals(SparsePositions.nonzeroPositions(w), pos);
        for (int i = 0; i < n; i++) if (w[i] == 0f) assertEquals(0, Float.floatToRawIntBits(d[i]), "pruned weight " + i);
        for (int i = 0; i < pos.length; i++) {
            float v = w[pos[i]];
            assertEquals(c[codes[i]], d[pos[i]]);
            for (float cj : c) assertTrue(Math.abs(v - c[codes[i]]) <= Math.abs(v - cj), v + " is closer to " + cj + " than to " + c[codes[i]]);
        }
    }

    @Property(tries = 60)
    void convergedCentroidsAreTheMeansOfTheirClusters(@ForAll long seed, @ForAll @IntRange(min = 2, max = 6) int bits) {
        float[] w = prunedGaussian(new Random(seed), 4000, 0.3);
        SharedWeights s = new KMeansQuantizer(bits, 10_000).quantize(w);
        double[] sum = new double[1 << bits], abs = new double[1 << bits];
        int[] count = new int[1 << bits], pos = s.positions(), codes = s.codes();
        for (int i = 0; i < pos.length; i++) {
            sum[codes[i]] += w[pos[i]];
            abs[codes[i]] += Math.abs(w[pos[i]]);
            count[codes[i]]++;
        }
        for (int j = 0; j < count.length; j++) {
            if (count[j] == 0) continue;
            assertEquals(sum[j] / count[j], s.centroid(j), 1e-6 * abs[j] / count[j] + 1e-9, "centroid " + j);
        }
    }

    @Test
    void linearInitializationSpansTheNonzeroRange() {
        // Weights already on 4 evenly spaced levels: linear initialization lands on them and Lloyd keeps them.
        float[] w = {0, -0.3f, 0, 0.1f, -0.1f, 0.3f, 0.3f, 0, -0.3f};
        SharedWeights s = new KMeansQuantizer(2).quantize(w);
        assertArrayEquals(new float[] {-0.3f, -0.1f, 0.1f, 0.3f}, s.codebook(), 1e-7f);
        assertArrayEquals(w, s.decode(), 1e-7f);
        assertArrayEquals(new int[] {0, 2, 1, 3, 3, 0}, s.codes());
    }

    @Test
    void degenerateWeightsStillQuantize() {
        SharedWeights none = new KMeansQuantizer(3).quantize(new float[10]);
        assertEquals(0, none.nonzeros());
        assertArrayEquals(new float[10], none.decode());
        float[] same = {0, 2.5f, 0, 2.5f, 2.5f};
        assertArrayEquals(same, new KMeansQuantizer(8).quantize(same).decode());
        assertArrayEquals(new float[0], new KMeansQuantizer(2).quantize(new float[0]).decode());
    }

    @Test
    void isDeterministic() {
        float[] w = prunedGaussian(new Random(1), 20_000, 0.2);
        SharedWeights a = new KMeansQuantizer(5).quantize(w), b = new KMeansQuantizer(5).quantize(w.clone());
        assertArrayEquals(a.codebook(), b.codebook());
        assertArrayEquals(a.codes(), b.codes());
    }

    @Test
    void badSettingsAndWeightsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new KMeansQuantizer(1));
        assertThrows(IllegalArgumentException.class, () -> new KMeansQuantizer(9));
        assertThrows(IllegalArgumentException.class, () -> new KMeansQuantizer(4, 0));
        assertThrows(IllegalArgumentException.class, () -> new KMeansQuantizer(4).quantize(new float[] {1, Float.NaN}));
    }

    /**
     * Measured on this 2-core machine (5 bits, 239,808 nonzeros of 266,200): about 130 ms for the
     * first call of a fresh JVM (mostly JIT compilation), 11 to 20 ms once warm; printed, not
     * asserted, since timings here are noisy.
     */
    @Test
    void reportsTimeOnALeNetSizedLayer() {
        float[] w = prunedGaussian(new Random(2), 266_200, 0.9);
        KMeansQuantizer q = new KMeansQuantizer(5);
        long first = 0, best = Long.MAX_VALUE;
        for (int rep = 0; rep < 12; rep++) {
            long t = System.nanoTime();
            q.quantize(w);
            long dt = System.nanoTime() - t;
            if (rep == 0) first = dt;
            best = Math.min(best, dt);
        }
        System.out.printf("KMeansQuantizer, 5 bits, %d nonzeros of 266200: first call %.1f ms, best of 12 %.1f ms%n",
                SparsePositions.nonzeroPositions(w).length, first / 1e6, best / 1e6);
    }
}
