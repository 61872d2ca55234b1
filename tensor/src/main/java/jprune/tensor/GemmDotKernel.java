package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * C = A·Bᵀ (+ C) as dot products of rows, for products whose output is small but whose depth is
 * long (a convolution's weight gradient: 6×25 outputs over thousands of positions). Both operands
 * are read in place along k, two rows of A against four rows of B at a time (8 accumulators, 6
 * loads per 8 FMAs); packing them would cost more than the arithmetic.
 */
final class GemmDotKernel {
    private static final VectorSpecies<Float> S = GemmMicroKernel.SPECIES;
    private static final int L = S.length();

    private GemmDotKernel() {}

    static void run(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                    boolean accumulate, float[] c, int cOff, int ldc) {
        int kv = VectorPolicy.loopBound(k);
        float[] lanes = new float[L];
        int i = 0;
        for (; i + 2 <= m; i += 2) {
            int a0 = aOff + i * lda, a1 = a0 + lda;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int b0 = bOff + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
                FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S), s02 = FloatVector.zero(S), s03 = FloatVector.zero(S);
                FloatVector s10 = FloatVector.zero(S), s11 = FloatVector.zero(S), s12 = FloatVector.zero(S), s13 = FloatVector.zero(S);
                for (int p = 0; p < kv; p += L) {
                    FloatVector x0 = FloatVector.fromArray(S, a, a0 + p), x1 = FloatVector.fromArray(S, a, a1 + p);
                    FloatVector y = FloatVector.fromArray(S, b, b0 + p);
                    s00 = x0.fma(y, s00);
                    s10 = x1.fma(y, s10);
                    y = FloatVector.fromArray(S, b, b1 + p);
                    s01 = x0.fma(y, s01);
                    s11 = x1.fma(y, s11);
                    y = FloatVector.fromArray(S, b, b2 + p);
                    s02 = x0.fma(y, s02);
                    s12 = x1.fma(y, s12);
                    y = FloatVector.fromArray(S, b, b3 + p);
                    s03 = x0.fma(y, s03);
                    s13 = x1.fma(y, s13);
                }
                put(c, cOff + i * ldc + j, accumulate, sum(s00, lanes, a, a0, b, b0, kv, k));
                put(c, cOff + i * ldc + j + 1, accumulate, sum(s01, lanes, a, a0, b, b1, kv, k));
                put(c, cOff + i * ldc + j + 2, accumulate, sum(s02, lanes, a, a0, b, b2, kv, k));
                put(c, cOff + i * ldc + j + 3, accumulate, sum(s03, lanes, a, a0, b, b3, kv, k));
                put(c, cOff + (i + 1) * ldc + j, accumulate, sum(s10, lanes, a, a1, b, b0, kv, k));
                put(c, cOff + (i + 1) * ldc + j + 1, accumulate, sum(s11, lanes, a, a1, b, b1, kv, k));
                put(c, cOff + (i + 1) * ldc + j + 2, accumulate, sum(s12, lanes, a, a1, b, b2, kv, k));
                put(c, cOff + (i + 1) * ldc + j + 3, accumulate, sum(s13, lanes, a, a1, b, b3, kv, k));
            }
            for (; j < n; j++) {
                put(c, cOff + i * ldc + j, accumulate, dot(a, a0, b, bOff + j * ldb, k, lanes));
                put(c, cOff + (i + 1) * ldc + j, accumulate, dot(a, a1, b, bOff + j * ldb, k, lanes));
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < n; j++) put(c, cOff + i * ldc + j, accumulate, dot(a, aOff + i * lda, b, bOff + j * ldb, k, lanes));
        }
    }

    private static float dot(float[] a, int ai, float[] b, int bi, int k, float[] lanes) {
        FloatVector s = FloatVector.zero(S);
        int kv = VectorPolicy.loopBound(k);
        for (int p = 0; p < kv; p += L) s = FloatVector.fromArray(S, a, ai + p).fma(FloatVector.fromArray(S, b, bi + p), s);
        return sum(s, lanes, a, ai, b, bi, kv, k);
    }

    /**
     * An accumulator's lanes in the fixed order, then steps [from, k) in order. Takes the vector,
     * unlike the format kernels: this runs once per output after thousands of steps, so a call
     * that C2 might not inline costs nothing that shows.
     */
    private static float sum(FloatVector acc, float[] lanes, float[] a, int ai, float[] b, int bi, int from, int k) {
        float s = 0;
        if (from > 0) {
            acc.intoArray(lanes, 0);
            s = VectorPolicy.laneSum(lanes);
        }
        for (int p = from; p < k; p++) s = Math.fma(a[ai + p], b[bi + p], s);
        return s;
    }

    private static void put(float[] c, int idx, boolean accumulate, float v) {
        c[idx] = accumulate ? c[idx] + v : v;
    }
}
