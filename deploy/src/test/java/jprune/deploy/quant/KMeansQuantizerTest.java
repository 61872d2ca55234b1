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
     * On a LeNet-sized layer (266,200 weights, 90% kept, Gaussian), 5-bit k-means must approach the
     * best 32-level quantizer of a Gaussian (Max's Lloyd-Max table: mean squared error 0.0025·σ²;
     * 100 Lloyd iterations from even spacing reach 0.0031·σ² here) and clearly beat the evenly
     * spaced levels it starts from (0.0064·σ²).
     */
    @Test
    void onALeNetSizedLayerLloydNearsTheGaussianOptimumAndBeatsEvenSpacing() {
        double sigma = 0.05;
        float[] w = prunedGaussian(new Random(2), 266_200, 0.9);
        float[] d = new KMeansQuantizer(5).quantize(w).decode();
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (float v : w) if (v != 0f) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        double kmeans = 0, even = 0, step = (hi - lo) / 31.0;
        int n = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] == 0f) continue;
            kmeans += (w[i] - d[i]) * (w[i] - d[i]);
            double level = lo + step * Math.rint((w[i] - lo) / step);
            even += (w[i] - level) * (w[i] - level);
            n++;
        }
        kmeans /= n * sigma * sigma;
        even /= n * sigma * sigma;
        assertTrue(kmeans < 0.004, "k-means error " + kmeans + " σ², the optimum is 0.0025 σ²");
        assertTrue(kmeans < 0.6 * even, "k-means error " + kmeans + " σ² against " + even + " σ² for even spacing");
    }
}
