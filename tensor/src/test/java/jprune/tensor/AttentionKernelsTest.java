package jprune.tensor;

import static jprune.tensor.KernelAssert.assertAllClose;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class AttentionKernelsTest {
    /** tokens × headDim around the vector widths (tails on both sides), with heads side by side. */
    private static final int[][] SHAPES = {{1, 1}, {2, 3}, {5, 7}, {16, 16}, {17, 16}, {17, 9}, {33, 24}, {8, 40}, {39, 4}, {50, 16}};

    @Test
    void vectorKernelEqualsTheScalarReferenceBitForBit() {
        Rng rng = new Rng(41);
        for (int[] sh : SHAPES) {
            for (int heads : new int[] {1, 3}) {
                int tokens = sh[0], hd = sh[1], batch = 3, inner = heads * hd, ld = inner + 5, ldo = inner + 2;
                float[] q = scaled(KernelAssert.random(rng, batch * tokens * ld), 3), k = scaled(KernelAssert.random(rng, q.length), 3);
                float[] v = KernelAssert.random(rng, q.length);
                float scale = (float) (1 / Math.sqrt(hd));
                float[] fast = filled(batch * tokens * ldo, 7f), ref = filled(batch * tokens * ldo, 7f);
                AttentionKernels.forward(batch, tokens, heads, hd, scale, q, k, v, ld, fast, ldo);
                AttentionKernels.forwardScalar(batch, tokens, heads, hd, scale, q, k, v, ld, ref, ldo);
                String what = "tokens=" + tokens + " headDim=" + hd + " heads=" + heads;
                assertArrayEquals(ref, fast, what);
                for (int r = 0; r < batch * tokens; r++)
                    for (int j = inner; j < ldo; j++) assertEquals(7f, fast[r * ldo + j], what + ": a column past the heads was written");
            }
        }
    }

    @Test
    void theFirstQueryAloneGetsTheBitsTheWholeSequenceGivesIt() {
        Rng rng = new Rng(45);
        for (int[] sh : SHAPES) {
            int tokens = sh[0], hd = sh[1], heads = 3, batch = 4, inner = heads * hd, ld = inner + 3, ldo = inner + 1;
            float[] q = scaled(KernelAssert.random(rng, batch * tokens * ld), 3), k = scaled(KernelAssert.random(rng, q.length), 3);
            float[] v = KernelAssert.random(rng, q.length);
            float scale = (float) (1 / Math.sqrt(hd));
            float[] all = new float[batch * tokens * ldo], first = filled(all.length, 7f);
            AttentionKernels.forward(batch, tokens, heads, hd, scale, q, k, v, ld, all, ldo);
            // The other queries are never read: garbage there changes nothing.
            float[] qFirst = q.clone();
            for (int r = 0; r < batch * tokens; r++) if (r % tokens != 0) java.util.Arrays.fill(qFirst, r * ld, (r + 1) * ld, Float.NaN);
            AttentionKernels.forwardFirst(batch, tokens, heads, hd, scale, qFirst, k, v, ld, first, ldo);
            String what = "tokens=" + tokens + " headDim=" + hd;
            for (int r = 0; r < batch * tokens; r++) {
                for (int j = 0; j < ldo; j++) {
                    float expected = r % tokens == 0 && j < inner ? all[r * ldo + j] : 7f;
                    assertEquals(expected, first[r * ldo + j], what + ": row " + r + " column " + j);
                }
            }
        }
    }

    @Test
    void scalarReferenceComputesAttentionAsDefined() {
        Rng rng = new Rng(42);
        int batch = 2, tokens = 17, heads = 2, hd = 7, inner = heads * hd;
        float[] q = scaled(KernelAssert.random(rng, batch * tokens * inner), 4), k = scaled(KernelAssert.random(rng, q.length), 4);
        float[] v = KernelAssert.random(rng, q.length);
        float scale = 0.5f;
        float[] got = new float[q.length], expected = new float[q.length];
        AttentionKernels.forwardScalar(batch, tokens, heads, hd, scale, q, k, v, inner, got, inner);
        for (int n = 0; n < batch; n++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < tokens; t++) {
                    double[] w = new double[tokens];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int s = 0; s < tokens; s++) {
                        double d = 0;
                        for (int i = 0; i < hd; i++) d += (double) q[(n * tokens + t) * inner + h * hd + i] * k[(n * tokens + s) * inner + h * hd + i];
                        w[s] = d * scale;
                        max = Math.max(max, w[s]);
                    }
                    for (int s = 0; s < tokens; s++) sum += w[s] = Math.exp(w[s] - max);
                    for (int j = 0; j < hd; j++) {
                        double c = 0;
                        for (int s = 0; s < tokens; s++) c += w[s] / sum * v[(n * tokens + s) * inner + h * hd + j];
                        expected[(n * tokens + t) * inner + h * hd + j] = (float) c;
                    }
                }
            }
        }
        assertAllClose(got, expected, 1e-4, 1e-5, "attention against double precision");
    }

    @Test
    void resultDoesNotDependOnTheSplitOverThreads() {
        Rng rng = new Rng(43);
        // 96 (sample, head) pairs of vit-tiny's shape: enough work for the kernel to split them in two.
        int batch = 24, tokens = 17, heads = 4, hd = 16, inner = heads * hd;
        float[] q = KernelAssert.random(rng, batch * tokens * inner), k = KernelAssert.random(rng, q.length), v = KernelAssert.random(rng, q.length);
        float[] two = new float[q.length], one = new float[q.length];
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(2);
            AttentionKernels.forward(batch, tokens, heads, hd, 0.25f, q, k, v, inner, two, inner);
            Parallel.setThreads(1);
            AttentionKernels.forward(batch, tokens, heads, hd, 0.25f, q, k, v, inner, one, inner);
        } finally {
            Parallel.setThreads(saved);
        }
        assertArrayEquals(one, two);
    }

    @Test
    void aQueryWhoseScoresAreAllMinusInfinityGetsZerosAsTheSoftmaxOpGives() {
        Rng rng = new Rng(44);
        int batch = 2, tokens = 37, heads = 2, hd = 5, inner = heads * hd;
        float[] q = KernelAssert.random(rng, batch * tokens * inner), k = KernelAssert.random(rng, q.length), v = KernelAssert.random(rng, q.length);
        // Sample 0, head 0: keys all positive and huge, query row 3 hugely negative: every score overflows to −∞.
        for (int s = 0; s < tokens; s++) for (int i = 0; i < hd; i++) k[s * inner + i] = 1e30f;
        for (int i = 0; i < hd; i++) q[3 * inner + i] = -1e30f;
        float[] fast = new float[q.length], ref = new float[q.length];
        AttentionKernels.forward(batch, tokens, heads, hd, 0.5f, q, k, v, inner, fast, inner);
        AttentionKernels.forwardScalar(batch, tokens, heads, hd, 0.5f, q, k, v, inner, ref, inner);
        assertArrayEquals(ref, fast);
        for (int j = 0; j < hd; j++) assertEquals(0f, fast[3 * inner + j]);
    }

    @Test
    void rejectsStridesAndArraysTooSmall() {
        float[] a = new float[2 * 3 * 8];
        assertThrows(IllegalArgumentException.class, () -> AttentionKernels.forward(2, 3, 2, 4, 1f, a, a, a, 7, a, 8));
        assertThrows(IllegalArgumentException.class, () -> AttentionKernels.forward(2, 3, 2, 4, 1f, a, a, a, 8, new float[40], 8));
        assertThrows(IllegalArgumentException.class, () -> AttentionKernels.forward(2, 0, 2, 4, 1f, a, a, a, 8, a, 8));
    }

    private static float[] scaled(float[] x, float f) {
        for (int i = 0; i < x.length; i++) x[i] *= f;
        return x;
    }

    private static float[] filled(int n, float value) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, value);
        return x;
    }
}
