package jprune.tensor;

/** Scalar reference GEMM, the ground truth the fast kernels are tested against. */
public final class GemmReference {
    private GemmReference() {}

    /** Same contract as {@link Gemm#gemm}; accumulates in double for a tight reference. */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            boolean accumulate, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += (double) av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? (float) (c[ci] + s) : (float) s;
            }
        }
    }
}
