package jprune.deploy.format;

import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The batched product of one sparse row: Y[row, :] = scale · Σ_k w[k] · X[col[k], :] over the row's
 * nonzeros, X and Y feature-major (X[c·batch + b]). Every sparse format decodes a row into
 * (column, weight) pairs and hands them here, so the one hot loop of the batched products is
 * written once: the batch's accumulators stay in vector registers (4 vectors, 64 floats with
 * AVX-512) while each nonzero adds its weight times a contiguous run of X.
 */
final class SparseRowKernels {
    private SparseRowKernels() {}

    /** Batch columns handled per pass over the row: four vectors of accumulators. */
    static final int SLAB = 4 * L;

    /**
     * Y[yOff .. yOff+batch) = scale · Σ_{k<n} w[wOff+k] · X[col[colOff+k]·batch .. +batch).
     * Full slabs of 4 vectors first, then one vector at a time, the last one masked.
     */
    static void row(int[] col, int colOff, float[] w, int wOff, int n, float[] x, int batch,
                    float[] y, int yOff, float scale) {
        int b = 0;
        for (; b + SLAB <= batch; b += SLAB) slab4(col, colOff, w, wOff, n, x, batch, b, y, yOff, scale);
        for (; b < batch; b += L) slab1(col, colOff, w, wOff, n, x, batch, b, y, yOff, scale);
    }

    private static void slab4(int[] col, int colOff, float[] w, int wOff, int n, float[] x, int batch, int b,
                              float[] y, int yOff, float scale) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < n; k++) {
            int at = col[colOff + k] * batch + b;
            FloatVector wk = FloatVector.broadcast(F, w[wOff + k]);
            a0 = FloatVector.fromArray(F, x, at).fma(wk, a0);
            a1 = FloatVector.fromArray(F, x, at + L).fma(wk, a1);
            a2 = FloatVector.fromArray(F, x, at + 2 * L).fma(wk, a2);
            a3 = FloatVector.fromArray(F, x, at + 3 * L).fma(wk, a3);
        }
        int out = yOff + b;
        a0.mul(scale).intoArray(y, out);
        a1.mul(scale).intoArray(y, out + L);
        a2.mul(scale).intoArray(y, out + 2 * L);
        a3.mul(scale).intoArray(y, out + 3 * L);
    }

    /** One vector of the batch from column b (masked past the batch's end), nonzeros two at a time. */
    private static void slab1(int[] col, int colOff, float[] w, int wOff, int n, float[] x, int batch, int b,
                              float[] y, int yOff, float scale) {
        VectorMask<Float> m = F.indexInRange(b, batch);
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int k = 0;
        for (; k + 1 < n; k += 2) {
            a0 = FloatVector.fromArray(F, x, col[colOff + k] * batch + b, m).fma(FloatVector.broadcast(F, w[wOff + k]), a0);
            a1 = FloatVector.fromArray(F, x, col[colOff + k + 1] * batch + b, m).fma(FloatVector.broadcast(F, w[wOff + k + 1]), a1);
        }
        if (k < n) a0 = FloatVector.fromArray(F, x, col[colOff + k] * batch + b, m).fma(FloatVector.broadcast(F, w[wOff + k]), a0);
        a0.add(a1).mul(scale).intoArray(y, yOff + b, m);
    }

    static void rowScalar(int[] col, int colOff, float[] w, int wOff, int n, float[] x, int batch,
                          float[] y, int yOff, float scale) {
        for (int b = 0; b < batch; b++) {
            float s = 0;
            for (int k = 0; k < n; k++) s += w[wOff + k] * x[col[colOff + k] * batch + b];
            y[yOff + b] = s * scale;
        }
    }
}
