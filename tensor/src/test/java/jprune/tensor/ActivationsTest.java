package jprune.tensor;

import static jprune.tensor.KernelAssert.assertAllClose;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class ActivationsTest {
    @Test
    void reluVectorMatchesScalarOnTails() {
        Rng rng = new Rng(1);
        for (int n : new int[] {1, 7, 15, 16, 17, 31, 33, 100, 1000}) {
            float[] x = KernelAssert.random(rng, n), dy = KernelAssert.random(rng, n);
            float[] y = new float[n], yr = new float[n], dx = new float[n], dxr = new float[n];
            Activations.reluForward(x, y, n);
            Activations.reluForwardScalar(x, yr, n);
            Activations.reluBackward(x, dy, dx, n);
            Activations.reluBackwardScalar(x, dy, dxr, n);
            assertArrayEquals(yr, y, "n=" + n);
            assertArrayEquals(dxr, dx, "n=" + n);
        }
    }

    @Test
    void erfMatchesKnownValues() {
        double[][] known = {{0, 0}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1, 0.8427007929497149},
            {2, 0.9953222650189527}, {2.5, 0.9995930479825550}, {3, 0.9999779095030014}, {4.5, 0.9999999998033839}, {-1, -0.8427007929497149}};
        for (double[] k : known) assertEquals(k[1], Erf.erf(k[0]), 1e-13, "erf(" + k[0] + ")");
    }

    @Test
    void geluMatchesDefinition() {
        float[] x = {-3f, -1f, 0f, 0.5f, 2f};
        float[] y = new float[5];
        Activations.geluForward(x, y, 5);
        float[] expected = {-0.0040496f, -0.1586553f, 0f, 0.3457312f, 1.9544997f};
        assertAllClose(y, expected, 1e-5, 1e-6, "gelu");
    }

    @Test
    void vectorGeluAndSoftmaxMatchTheirScalarReferences() {
        Rng rng = new Rng(8);
        for (int n : new int[] {1, 15, 16, 17, 33, 1000}) {
            float[] x = new float[n], dy = KernelAssert.random(rng, n);
            for (int i = 0; i < n; i++) x[i] = (rng.nextFloat() - 0.5f) * 12f;
            float[] y = new float[n], yr = new float[n], dx = new float[n], dxr = new float[n];
            Activations.geluForward(x, y, n);
            Activations.geluForwardScalar(x, yr, n);
            Activations.geluBackward(x, dy, dx, n);
            Activations.geluBackwardScalar(x, dy, dxr, n);
            assertAllClose(y, yr, 1e-6, 1e-6, "gelu n=" + n);
            assertAllClose(dx, dxr, 1e-6, 1e-6, "gelu' n=" + n);
            float[] s = new float[n], sr = new float[n];
            Softmax.forward(x, s, 1, n);
            Softmax.forwardScalar(x, sr, 1, n);
            assertAllClose(s, sr, 1e-5, 1e-7, "softmax n=" + n);
        }
    }

    @Test
    void softmaxIsStableAndNormalised() {
        float[] x = {1000f, 1000f, -1000f, 1f, 2f, 3f, Float.NEGATIVE_INFINITY, 0f, 0f};
        float[] y = new float[9];
        Softmax.forward(x, y, 3, 3);
        assertAllClose(y, new float[] {0.5f, 0.5f, 0f, 0.09003057f, 0.24472848f, 0.66524094f, 0f, 0.5f, 0.5f}, 1e-6, 1e-7, "softmax");
        float[] ls = new float[9];
        Softmax.logForward(x, ls, 3, 3);
        assertEquals(Math.log(0.5), ls[0], 1e-6);
        assertEquals(Math.log(0.66524094), ls[5], 1e-6);
    }

    @Test
    void layerNormNormalisesRows() {
        float[] x = {1, 2, 3, 4, 10, 10, 10, 10};
        float[] y = new float[8], mean = new float[2], rstd = new float[2];
        LayerNormKernels.forward(x, null, null, y, mean, rstd, 2, 4, 1e-5f);
        assertEquals(2.5f, mean[0], 1e-6);
        float s = (float) Math.sqrt(1.25);
        assertAllClose(y, new float[] {-1.5f / s, -0.5f / s, 0.5f / s, 1.5f / s, 0, 0, 0, 0}, 1e-4, 1e-5, "layer norm");
    }
}
