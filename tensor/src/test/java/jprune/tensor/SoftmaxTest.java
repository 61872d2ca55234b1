package jprune.tensor;

import static jprune.tensor.KernelAssert.assertAllClose;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SoftmaxTest {
    private static final int[] COLS = {1, 2, 7, 15, 16, 17, 33, 100, 1001};

    @Test
    void forwardMatchesTheDoubleReferenceAtRaggedSizes() {
        Rng rng = new Rng(21);
        for (int cols : COLS) {
            int rows = 3;
            float[] x = KernelAssert.random(rng, rows * cols);
            for (int i = 0; i < x.length; i++) x[i] *= 30;
            float[] y = new float[x.length], ref = new float[x.length];
            Softmax.forward(x, y, rows, cols);
            Softmax.forwardScalar(x, ref, rows, cols);
            assertAllClose(y, ref, 1e-5, 1e-7, "softmax cols=" + cols);
            float[] again = new float[x.length];
            Softmax.forward(x, again, rows, cols);
            assertArrayEquals(y, again, "repeatable cols=" + cols);
        }
    }

    @Test
    void logForwardMatchesLogOfTheDoubleSoftmaxAtRaggedSizes() {
        Rng rng = new Rng(22);
        for (int cols : COLS) {
            int rows = 4;
            float[] x = KernelAssert.random(rng, rows * cols);
            for (int i = 0; i < x.length; i++) x[i] = x[i] * 40 + (i % cols == 0 ? 200 : 0);   // large logits too
            float[] y = new float[x.length], expected = new float[x.length];
            Softmax.logForward(x, y, rows, cols);
            for (int r = 0; r < rows; r++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < cols; j++) max = Math.max(max, x[r * cols + j]);
                for (int j = 0; j < cols; j++) sum += Math.exp(x[r * cols + j] - max);
                for (int j = 0; j < cols; j++) expected[r * cols + j] = (float) (x[r * cols + j] - max - Math.log(sum));
            }
            assertAllClose(y, expected, 1e-6, 1e-5, "log-softmax cols=" + cols);
        }
    }

    @Test
    void aRowOfMinusInfinityGivesZerosNotNaN() {
        float[] x = new float[2 * 17];
        java.util.Arrays.fill(x, 0, 17, Float.NEGATIVE_INFINITY);
        float[] y = new float[x.length];
        Softmax.forward(x, y, 2, 17);
        for (int j = 0; j < 17; j++) assertEquals(0f, y[j]);
        for (int j = 17; j < 34; j++) assertEquals(1f / 17, y[j], 1e-7);
    }
}
