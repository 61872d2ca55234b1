package jprune.deploy.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class SharedWeightsTest {
    @Test
    void decodesCentroidsAtPositionsAndZerosElsewhere() {
        SharedWeights s = new SharedWeights(6, new int[] {1, 2, 5}, new int[] {1, 0, 1}, new float[] {-0.5f, 2f});
        assertArrayEquals(new float[] {0, 2f, -0.5f, 0, 0, 2f}, s.decode());
        float[] dst = {9, 9, 9, 9, 9, 9};
        s.decodeInto(dst);
        assertArrayEquals(s.decode(), dst);
    }

    @Test
    void centroidGradientIsTheSumOverItsWeightsIgnoringZeros() {
        SharedWeights s = new SharedWeights(6, new int[] {1, 2, 5}, new int[] {1, 0, 1}, new float[] {-0.5f, 2f});
        float[] grad = {100, 0.25f, -1f, 100, 100, 0.5f};
        assertArrayEquals(new double[] {-1, 0.75}, s.centroidGradients(grad), 1e-12);
        s.applyGradient(grad, 0.1);
        assertArrayEquals(new float[] {-0.4f, 1.925f}, s.codebook(), 1e-7f);
        assertArrayEquals(new float[] {0, 1.925f, -0.4f, 0, 0, 1.925f}, s.decode(), 1e-7f);
    }

    /** The centroid gradient is the directional derivative of a loss along "move centroid j". */
    @Property(tries = 30)
    void centroidGradientMatchesAFiniteDifference(@ForAll long seed) {
        Random rnd = new Random(seed);
        float[] w = KMeansQuantizerTest.prunedGaussian(rnd, 300, 0.5);
        SharedWeights s = new KMeansQuantizer(3).quantize(w);
        float[] target = new float[w.length];
        for (int i = 0; i < target.length; i++) target[i] = (float) rnd.nextGaussian();
        // loss(W) = ½‖W − T‖², so dL/dW = W − T.
        float[] d = s.decode(), grad = new float[w.length];
        for (int i = 0; i < w.length; i++) grad[i] = d[i] - target[i];
        double[] g = s.centroidGradients(grad);
        for (int j = 0; j < s.codebookSize(); j++) {
            double h = 1e-3, up = 0, down = 0;
            int[] pos = s.positions(), codes = s.codes();
            for (int i = 0; i < pos.length; i++) {
                if (codes[i] != j) continue;
                double base = d[pos[i]] - target[pos[i]];
                up += (base + h) * (base + h) / 2;
                down += (base - h) * (base - h) / 2;
            }
            assertEquals((up - down) / (2 * h), g[j], 1e-4 * (1 + Math.abs(g[j])), "centroid " + j);
        }
    }

    @Test
    void inconsistentPartsAreRejected() {
        float[] c = {1, 2};
        assertThrows(IllegalArgumentException.class, () -> new SharedWeights(5, new int[] {1, 1}, new int[] {0, 0}, c));
        assertThrows(IllegalArgumentException.class, () -> new SharedWeights(5, new int[] {5}, new int[] {0}, c));
        assertThrows(IllegalArgumentException.class, () -> new SharedWeights(5, new int[] {1}, new int[] {2}, c));
        assertThrows(IllegalArgumentException.class, () -> new SharedWeights(5, new int[] {1}, new int[] {0, 1}, c));
        assertThrows(IllegalArgumentException.class, () -> new SharedWeights(5, new int[0], new int[0], new float[0]));
        assertThrows(IllegalArgumentException.class, () -> new SharedWeights(5, new int[0], new int[0], new float[] {Float.NaN}));
        SharedWeights s = new SharedWeights(5, new int[] {1}, new int[] {0}, c);
        assertThrows(IllegalArgumentException.class, () -> s.applyGradient(new float[4], 0.1));
        assertThrows(IllegalArgumentException.class, () -> s.applyGradient(new float[5], Double.NaN));
    }
}
