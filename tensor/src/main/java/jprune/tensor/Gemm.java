package jprune.tensor;

/**
 * Single-precision matrix multiply, BLAS sgemm style: C = op(A)·op(B) (+ C when accumulating),
 * where op(X) is X or its transpose. All matrices are row-major with leading dimensions
 * lda, ldb, ldc (elements between consecutive rows as stored). Results do not depend on the
 * thread count: each element of C is computed by one thread in a fixed order.
 */
public final class Gemm {
    private Gemm() {}

    /**
     * @param transA if true, A is stored k×m and op(A) = Aᵀ; otherwise stored m×k
     * @param transB if true, B is stored n×k and op(B) = Bᵀ; otherwise stored k×n
     * @param accumulate if true, C += op(A)·op(B); otherwise C = op(A)·op(B)
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            boolean accumulate, float[] c, int cOff, int ldc) {
        // Placeholder until the blocked kernel lands: the scalar reference.
        GemmReference.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, accumulate, c, cOff, ldc);
    }
}
