package jprune.lm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import jprune.tensor.Rng;
import org.junit.jupiter.api.Test;

/**
 * The vector bodies of the training kernels against their scalar tails: run over a whole odd-sized
 * array (vectors plus a tail) and one element at a time (tail only), every element must agree bit
 * for bit, so a chunk boundary never changes a result.
 */
class LmKernelsTest {
    private static float[] randn(long seed, int n, float std) {
        Rng r = new Rng(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * std);
        return x;
    }

    @Test
    void elementwiseKernelsAgreeWithTheirScalarTails() {
        int n = 77;
        float[] x = randn(1, n, 3f), u = randn(2, n, 1f), dy = randn(3, n, 1f);
        float[] whole = new float[n], single = new float[n];
        LmKernels.geluTanh(x, whole, 0, n);
        for (int i = 0; i < n; i++) LmKernels.geluTanh(x, single, i, i + 1);
        assertArrayEquals(single, whole);
        LmKernels.swiglu(x, u, whole, 0, n);
        for (int i = 0; i < n; i++) LmKernels.swiglu(x, u, single, i, i + 1);
        assertArrayEquals(single, whole);
        float[] a = new float[n], b = new float[n], c = new float[n], d = new float[n];
        LmKernels.geluTanhBackward(x, dy, a, 0, n);
        for (int i = 0; i < n; i++) LmKernels.geluTanhBackward(x, dy, b, i, i + 1);
        assertArrayEquals(b, a);
        LmKernels.swigluBackward(x, u, dy, a, c, 0, n);
        for (int i = 0; i < n; i++) LmKernels.swigluBackward(x, u, dy, b, d, i, i + 1);
        assertArrayEquals(b, a);
        assertArrayEquals(d, c);
    }

    @Test
    void rowReductionsMatchDoublePrecision() {
        int n = 1001;
        float[] x = randn(4, n, 2f);
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) max = Math.max(max, v);
        assertEquals((float) max, LmKernels.max(x, 0, n));
        double s = 0;
        for (float v : x) s += Math.exp(v - max);
        assertEquals(s, LmKernels.sumExp(x, 0, n, (float) max), 1e-5 * s);
        float[] dst = new float[n + 3];
        LmKernels.addScaledExp(x, 0, n, (float) max, 0.5f, dst, 3);
        for (int i = 0; i < n; i++) assertEquals(0.5 * Math.exp(x[i] - max), dst[3 + i], 1e-6);
    }
}
