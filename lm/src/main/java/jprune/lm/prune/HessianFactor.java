package jprune.lm.prune;

import jprune.tensor.Gemm;

/**
 * The factor SparseGPT's updates read: U, upper triangular with a positive diagonal, such that
 * H⁻¹ = UᵀU. Computed without forming H⁻¹: with J the order-reversing permutation, JHJ = LLᵀ
 * (Cholesky), so H = (JLJ)(JLJ)ᵀ with JLJ upper triangular and U = (JLJ)⁻¹ = J L⁻¹ J. On a row-major
 * array, J·M·J is M read backwards, so U is L⁻¹ reversed. One Cholesky factorisation and one
 * triangular inverse (each about n³/3 multiply-adds) instead of the three factorisations of
 * "invert, then factor the inverse".
 *
 * <p>Both are blocked: 128×128 diagonal blocks are factored and inverted in double, and the
 * updates between blocks (which hold nearly all the work) are fp32 products through
 * {@link Gemm}, the precision the paper's implementation uses for the whole computation.
 */
public final class HessianFactor {
    static final int BLOCK = 128;

    private HessianFactor() {}

    /**
     * U with H⁻¹ = UᵀU, as an [n, n] row-major fp32 array (zeros below the diagonal). h is
     * symmetric positive definite (dampened), row-major; it is not modified.
     *
     * @throws IllegalArgumentException if h is not positive definite
     */
    public static float[] upperCholeskyOfInverse(double[] h, int n) {
        if (h.length != (long) n * n) throw new IllegalArgumentException(h.length + " entries for an " + n + "×" + n + " matrix");
        int last = h.length - 1;
        float[] a = new float[h.length];
        for (int i = 0; i <= last; i++) a[i] = (float) h[last - i];
        float[][] diagonalInverses = choleskyInPlace(a, n);
        float[] x = lowerInverse(a, n, diagonalInverses);
        for (int i = 0, j = last; i < j; i++, j--) {
            float t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
        return x;
    }

    /**
     * Overwrites the lower triangle of a (symmetric) with L, a = LLᵀ; the strict upper triangle is
     * left holding intermediate values, except inside diagonal blocks, where it is zeroed. Returns
     * the inverse of every diagonal block of L.
     */
    static float[][] choleskyInPlace(float[] a, int n) {
        int blocks = (n + BLOCK - 1) / BLOCK;
        float[][] inverses = new float[blocks][];
        float[] panel = null, negPanel = null;
        for (int bi = 0; bi < blocks; bi++) {
            int k0 = bi * BLOCK, b = Math.min(BLOCK, n - k0), rest = n - k0 - b;
            double[] d = new double[b * b];
            for (int i = 0; i < b; i++) for (int j = 0; j <= i; j++) d[i * b + j] = a[(k0 + i) * n + k0 + j];
            denseCholesky(d, b, k0);
            double[] dinv = denseLowerInverse(d, b);
            float[] inv = new float[b * b];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < b; j++) a[(k0 + i) * n + k0 + j] = j <= i ? (float) d[i * b + j] : 0f;
                for (int j = 0; j <= i; j++) inv[i * b + j] = (float) dinv[i * b + j];
            }
            inverses[bi] = inv;
            if (rest == 0) break;
            if (panel == null) {
                panel = new float[(n - b) * BLOCK];
                negPanel = new float[panel.length];
            }
            // L21 = A21·L11⁻ᵀ, then A22 −= L21·L21ᵀ.
            int r0 = k0 + b;
            Gemm.gemm(false, true, rest, b, b, a, r0 * n + k0, n, inv, 0, b, false, panel, 0, b);
            for (int i = 0; i < rest; i++) {
                System.arraycopy(panel, i * b, a, (r0 + i) * n + k0, b);
                for (int j = 0; j < b; j++) negPanel[i * b + j] = -panel[i * b + j];
            }
            Gemm.gemm(false, true, rest, rest, b, negPanel, 0, b, panel, 0, b, true, a, r0 * n + r0, n);
        }
        return inverses;
    }

    /** L⁻¹ of a lower triangular L (row-major, zeros above), block row by block row. */
    static float[] lowerInverse(float[] l, int n, float[][] diagonalInverses) {
        float[] x = new float[l.length];
        float[] t = null;
        for (int bi = 0; bi < diagonalInverses.length; bi++) {
            int i0 = bi * BLOCK, b = Math.min(BLOCK, n - i0);
            float[] inv = diagonalInverses[bi];
            if (i0 > 0) {
                // X[i, 0:i0] = −X_ii · (L[i, 0:i0] · X[0:i0, 0:i0]).
                if (t == null) t = new float[BLOCK * n];
                Gemm.gemm(false, false, b, i0, i0, l, i0 * n, n, x, 0, n, false, t, 0, i0);
                float[] negInv = new float[inv.length];
                for (int i = 0; i < inv.length; i++) negInv[i] = -inv[i];
                Gemm.gemm(false, false, b, i0, b, negInv, 0, b, t, 0, i0, false, x, i0 * n, n);
            }
            for (int i = 0; i < b; i++) System.arraycopy(inv, i * b, x, (i0 + i) * n + i0, b);
        }
        return x;
    }

    /** In-place lower Cholesky of a small b×b block held in double (lower triangle read and written). */
    private static void denseCholesky(double[] d, int b, int offset) {
        for (int j = 0; j < b; j++) {
            double s = d[j * b + j];
            for (int k = 0; k < j; k++) s -= d[j * b + k] * d[j * b + k];
            if (!(s > 0))
                throw new IllegalArgumentException("the dampened Hessian is not positive definite (pivot " + (offset + j)
                        + " is " + s + "); raise --percdamp");
            double r = Math.sqrt(s);
            d[j * b + j] = r;
            for (int i = j + 1; i < b; i++) {
                double v = d[i * b + j];
                for (int k = 0; k < j; k++) v -= d[i * b + k] * d[j * b + k];
                d[i * b + j] = v / r;
            }
        }
    }

    /** Inverse of a small lower triangular b×b block, in double. */
    private static double[] denseLowerInverse(double[] d, int b) {
        double[] x = new double[b * b];
        for (int j = 0; j < b; j++) {
            x[j * b + j] = 1 / d[j * b + j];
            for (int i = j + 1; i < b; i++) {
                double s = 0;
                for (int k = j; k < i; k++) s += d[i * b + k] * x[k * b + j];
                x[i * b + j] = -s / d[i * b + i];
            }
        }
        return x;
    }
}
