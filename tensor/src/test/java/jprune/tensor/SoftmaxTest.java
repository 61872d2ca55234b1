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

    @Test
    void rowMaxInVectorsIsTheScalarMaximumWithItsSignedZerosAndNaN() {
        Rng rng = new Rng(23);
        for (int cols : COLS) {
            float[] x = KernelAssert.random(rng, cols + 3);
            for (int special = 0; special < 3; special++) {
                float[] row = x.clone();
                if (special == 1) java.util.Arrays.fill(row, -0f);
                if (special == 1 && cols > 1) row[3 + cols / 2] = 0f;   // one +0 among −0s wins
                if (special == 2) row[3 + cols - 1] = Float.NaN;
                float expected = Float.NEGATIVE_INFINITY;
                for (int j = 3; j < 3 + cols; j++) expected = Math.max(expected, row[j]);
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(Softmax.rowMax(row, 3, cols)),
                        "cols=" + cols + " case " + special);
            }
        }
    }
}
