package jprune.tensor;

import static jprune.tensor.KernelAssert.assertAllClose;
import static jprune.tensor.KernelAssert.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class LinearForwardTest {
    @Test
    void vectorKernelEqualsItsScalarReferenceBitForBit() {
        Rng rng = new Rng(31);
        // rows: one or two (one-row kernel), 3 to 7 (a padded tile), whole tiles and either tail;
        // outputs: 1 to 19 vectors wide.
        int[][] cases = {{1, 784, 300}, {3, 17, 5}, {8, 33, 130}, {9, 100, 10}, {17, 7, 301}, {1, 5, 16 * 8 + 1}, {2, 1, 1},
            {7, 40, 33}, {13, 9, 64}, {6, 784, 300}};
        for (int[] c : cases) {
            int m = c[0], k = c[1], n = c[2], np = LinearForward.paddedWidth(n), ldx = k + 3, ldy = np + 16;
            float[] w = random(rng, n * k), x = random(rng, 2 + m * ldx);
            float[] wt = LinearForward.packWeights(w, n, k);
            Epilogue e = Epilogue.of(n, random(rng, n), null, null, m % 2 == 1);
            float[] y = random(rng, 1 + m * ldy), ref = y.clone();
            LinearForward.forward(m, k, np, x, 2, ldx, wt, e, y, 1, ldy);
            LinearForward.reference(m, k, np, x, 2, ldx, wt, e, ref, 1, ldy);
            assertArrayEquals(ref, y, java.util.Arrays.toString(c));
            // And against the layer's definition: x·Wᵀ + b, ReLU.
            for (int r = 0; r < m; r++)
                for (int o = 0; o < n; o++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += (double) x[2 + r * ldx + p] * w[o * k + p];
                    float expect = e.finish(e.affine((float) s, o));
                    assertAllClose(new float[] {y[1 + r * ldy + o]}, new float[] {expect}, 1e-4, 1e-5, java.util.Arrays.toString(c));
                }
        }
    }

    /** A batch-1 product computed in column parts, in any order, equals the whole row bit for bit. */
    @Test
    void columnPartsOfOneRowEqualTheWholeRowBitForBit() {
        Rng rng = new Rng(33);
        int[][] cases = {{784, 300}, {1152, 256}, {5, 16 * 8 + 1}, {17, 33}, {3, 1}};
        for (int[] c : cases) {
            int k = c[0], n = c[1], np = LinearForward.paddedWidth(n), lanes = LinearForward.paddedWidth(1);
            float[] w = random(rng, n * k), x = random(rng, 3 + k), wt = LinearForward.packWeights(w, n, k);
            Epilogue e = Epilogue.of(n, random(rng, n), null, null, n % 2 == 1);
            float[] whole = new float[np], parts = random(rng, np);
            LinearForward.forward(1, k, np, x, 3, k, wt, e, whole, 0, np);
            java.util.List<int[]> ranges = new java.util.ArrayList<>();
            for (int j0 = 0; j0 < np; ) {
                int j1 = Math.min(np, j0 + lanes * (1 + rng.nextInt(9)));
                ranges.add(new int[] {j0, j1});
                j0 = j1;
            }
            java.util.Collections.reverse(ranges);
            for (int[] r : ranges) LinearForward.forwardRowColumns(k, np, x, 3, wt, e, parts, 0, r[0], r[1]);
            assertArrayEquals(whole, parts, java.util.Arrays.toString(c));
        }
        float[] wt = new float[4 * 32];
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> LinearForward.forwardRowColumns(4, 32, new float[4], 0, wt, Epilogue.of(32, null, null, null, false), new float[32], 0, 1, 16));
    }

    @Test
    void addingIntoTheStreamEqualsItsScalarReferenceAndTheUnfusedSumBitForBit() {
        Rng rng = new Rng(32);
        int[][] cases = {{1, 64, 64}, {2, 48, 64}, {5, 17, 33}, {8, 64, 64}, {16, 49, 64}, {17, 128, 48}, {13, 9, 5}, {35, 64, 10}};
        for (int[] c : cases) {
            int m = c[0], k = c[1], n = c[2], np = LinearForward.paddedWidth(n), ldx = k + 1, ldy = np + 16;
            float[] w = random(rng, n * k), x = random(rng, 3 + m * ldx), wt = LinearForward.packWeights(w, n, k);
            Epilogue e = Epilogue.of(n, random(rng, n), null, null, false);
            float[] stream = random(rng, 2 + m * ldy);
            float[] fused = stream.clone(), ref = stream.clone();
            LinearForward.forwardAdd(m, k, np, x, 3, ldx, wt, e, fused, 2, ldy);
            LinearForward.referenceAdd(m, k, np, x, 3, ldx, wt, e, ref, 2, ldy);
            String what = java.util.Arrays.toString(c);
            assertArrayEquals(ref, fused, what);
            // Unfused, as a residual block computes it: the layer's output, then stream + output.
            float[] layer = new float[2 + m * ldy], unfused = stream.clone();
            LinearForward.forward(m, k, np, x, 3, ldx, wt, e, layer, 2, ldy);
            for (int r = 0; r < m; r++)
                for (int j = 0; j < np; j++) unfused[2 + r * ldy + j] = stream[2 + r * ldy + j] + layer[2 + r * ldy + j];
            assertArrayEquals(unfused, fused, what + " against the unfused sum");
        }
    }

    @Test
    void equalsTheTrainingPathsGemmBitForBit() {
        Rng rng = new Rng(33);
        int m = 64, k = 400, n = 120;
        float[] x = random(rng, m * k), w = random(rng, n * k), y = new float[m * n];
        Gemm.gemm(false, true, m, n, k, x, 0, k, w, 0, k, false, y, 0, n);
        int np = LinearForward.paddedWidth(n);
        float[] out = new float[m * np];
        LinearForward.forward(m, k, np, x, 0, k, LinearForward.packWeights(w, n, k), Epilogue.none(n), out, 0, np);
        float[] got = new float[m * n];
        for (int r = 0; r < m; r++) System.arraycopy(out, r * np, got, r * n, n);
        assertArrayEquals(y, got);
    }
}
