package jprune.tensor;

/**
 * Copies blocks of A and B into the layouts the micro-kernel streams through. Packing also absorbs
 * transposes and edges: slivers are zero-padded to full MR rows / NR columns, so the micro-kernel
 * never branches on sizes.
 */
final class GemmPacking {
    private GemmPacking() {}

    /**
     * Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into MR-row slivers: sliver s holds, for each
     * k, the MR values A(i0+s·MR+r, p0+k), r = 0..MR−1.
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float[] dst, int mr) {
        int idx = 0;
        for (int s = 0; s < mc; s += mr) {
            int rows = Math.min(mr, mc - s);
            if (!transA) {
                for (int r = 0; r < rows; r++) {
                    int src = aOff + (i0 + s + r) * lda + p0;
                    for (int k = 0; k < kc; k++) dst[idx + k * mr + r] = a[src + k];
                }
            } else {
                for (int k = 0; k < kc; k++) {
                    // op(A)(i, k) = a[k][i]: a row of the stored matrix gives consecutive i.
                    System.arraycopy(a, aOff + (p0 + k) * lda + i0 + s, dst, idx + k * mr, rows);
                }
            }
            if (rows < mr) {
                for (int k = 0; k < kc; k++) for (int r = rows; r < mr; r++) dst[idx + k * mr + r] = 0f;
            }
            idx += kc * mr;
        }
    }

    /**
     * Packs depth [p0, p0+kc) × columns [j0, j0+nc) of op(B) into NR-column panels: panel q holds, for
     * each k, the NR values B(p0+k, j0+q·NR+c), c = 0..NR−1.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc, float[] dst, int nr) {
        int idx = 0;
        for (int q = 0; q < nc; q += nr) {
            int cols = Math.min(nr, nc - q);
            if (!transB) {
                for (int k = 0; k < kc; k++) {
                    System.arraycopy(b, bOff + (p0 + k) * ldb + j0 + q, dst, idx + k * nr, cols);
                    for (int c = cols; c < nr; c++) dst[idx + k * nr + c] = 0f;
                }
            } else {
                // op(B)(k, j) = b[j][k]: walk each stored row (one output column) along k.
                for (int c = 0; c < cols; c++) {
                    int src = bOff + (j0 + q + c) * ldb + p0;
                    for (int k = 0; k < kc; k++) dst[idx + k * nr + c] = b[src + k];
                }
                for (int k = 0; k < kc; k++) for (int c = cols; c < nr; c++) dst[idx + k * nr + c] = 0f;
            }
            idx += kc * nr;
        }
    }
}
