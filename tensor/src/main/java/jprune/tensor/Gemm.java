package jprune.tensor;

/**
 * Single-precision matrix multiply, BLAS sgemm style: C = op(A)·op(B) (+ C when accumulating),
 * where op(X) is X or its transpose. All matrices are row-major with leading dimensions
 * lda, ldb, ldc (elements between consecutive rows as stored).
 *
 * <p>GotoBLAS/BLIS structure: the columns of C are cut into NC-wide blocks, the depth into
 * KC-deep blocks (B block packed once, kept in L2/L3), the rows into MC-tall blocks (A block
 * packed, kept in L2), and {@link GemmMicroKernel} computes MR×NR register tiles. Threads take
 * disjoint column ranges of C (or row ranges when C is narrow), so each element of C is computed by
 * one thread in a fixed order: results do not depend on the thread count.
 */
public final class Gemm {
    static final int MR = GemmMicroKernel.MR, NR = GemmMicroKernel.NR;
    static final int KC = 256, MC = 96, NC = 2048;
    /**
     * With at most this many rows, B is read in place instead of packed: each B element then feeds
     * only m multiply-adds, so copying it would cost about as much as using it.
     */
    static final int DIRECT_B_MAX_ROWS = 2 * MR;
    /** A·Bᵀ with at most this many outputs and depth at least DOT_MIN_DEPTH takes the dot-product kernel. */
    static final int DOT_MAX_OUTPUTS = 4096, DOT_MIN_DEPTH = 512;
    /** Problems below this many multiply-adds run on the calling thread alone. */
    static final long PARALLEL_MIN_MACS = 1L << 18;

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private Gemm() {}

    /** Per-thread packing space, reused across calls. */
    private static final class Buffers {
        final float[] a = new float[MC * KC];
        final float[] b = new float[KC * (NC + NR)];
        final float[] tile = new float[MR * NR];
    }

    /**
     * @param transA if true, A is stored k×m and op(A) = Aᵀ; otherwise stored m×k
     * @param transB if true, B is stored n×k and op(B) = Bᵀ; otherwise stored k×n
     * @param accumulate if true, C += op(A)·op(B); otherwise C = op(A)·op(B)
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            boolean accumulate, float[] c, int cOff, int ldc) {
        validate(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0) {
            if (!accumulate) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return;
        }
        if (!transA && transB && (long) m * n <= DOT_MAX_OUTPUTS && k >= DOT_MIN_DEPTH) {
            GemmDotKernel.run(m, n, k, a, aOff, lda, b, bOff, ldb, accumulate, c, cOff, ldc);
            return;
        }
        long macs = (long) m * n * k;
        int threads = Parallel.threads();
        if (threads == 1 || macs < PARALLEL_MIN_MACS || Parallel.inWorker()) {
            serial(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, accumulate, c, cOff, ldc);
            return;
        }
        int nPanels = (n + NR - 1) / NR, mSlivers = (m + MR - 1) / MR;
        if (nPanels >= 2 * threads || nPanels >= mSlivers) {
            // Split the columns of C, in whole NR panels.
            Parallel.forRange(nPanels, 1, (chunk, from, to) -> {
                int j0 = from * NR, j1 = Math.min(n, to * NR);
                serial(transA, transB, m, j1 - j0, k, a, aOff, lda, b, bOff + (transB ? j0 * ldb : j0), ldb,
                        accumulate, c, cOff + j0, ldc);
            });
        } else {
            // Narrow C: split its rows, in whole MR slivers.
            Parallel.forRange(mSlivers, 1, (chunk, from, to) -> {
                int i0 = from * MR, i1 = Math.min(m, to * MR);
                serial(transA, transB, i1 - i0, n, k, a, aOff + (transA ? i0 : i0 * lda), lda, b, bOff, ldb,
                        accumulate, c, cOff + i0 * ldc, ldc);
            });
        }
    }

    private static void serial(boolean transA, boolean transB, int m, int n, int k,
                               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                               boolean accumulate, float[] c, int cOff, int ldc) {
        Buffers buf = BUFFERS.get();
        boolean directB = !transB && m <= DIRECT_B_MAX_ROWS;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean add = accumulate || pc > 0;
                int fullPanels = nc / NR * NR;
                if (!directB) GemmPacking.packB(transB, b, bOff, ldb, pc, kc, jc, nc, buf.b, NR);
                else if (fullPanels < nc) GemmPacking.packB(false, b, bOff, ldb, pc, kc, jc + fullPanels, nc - fullPanels, buf.b, NR);
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    GemmPacking.packA(transA, a, aOff, lda, ic, mc, pc, kc, buf.a, MR);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr);
                        float[] bp;
                        int bIdx, bStride;
                        if (!directB) {
                            bp = buf.b;
                            bIdx = (jr / NR) * kc * NR;
                            bStride = NR;
                        } else if (jr < fullPanels) {
                            bp = b;
                            bIdx = bOff + pc * ldb + jc + jr;
                            bStride = ldb;
                        } else {
                            bp = buf.b;
                            bIdx = 0;
                            bStride = NR;
                        }
                        for (int ir = 0; ir < mc; ir += MR) {
                            int rows = Math.min(MR, mc - ir);
                            GemmMicroKernel.run(kc, buf.a, (ir / MR) * kc * MR, bp, bIdx, bStride, c,
                                    cOff + (ic + ir) * ldc + jc + jr, ldc, rows, cols, add, buf.tile);
                        }
                    }
                }
            }
        }
    }

    private static void validate(boolean transA, boolean transB, int m, int n, int k,
                                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                 float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("gemm sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        checkMatrix("A", a, aOff, lda, transA ? k : m, transA ? m : k);
        checkMatrix("B", b, bOff, ldb, transB ? n : k, transB ? k : n);
        checkMatrix("C", c, cOff, ldc, m, n);
    }

    private static void checkMatrix(String name, float[] x, int off, int ld, int rows, int cols) {
        if (rows == 0 || cols == 0) return;
        if (ld < cols) throw new IllegalArgumentException("gemm: leading dimension of " + name + " is " + ld + ", less than its " + cols + " columns");
        long last = off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length)
            throw new IllegalArgumentException("gemm: " + name + " (" + rows + "×" + cols + ", offset " + off + ", ld " + ld + ") needs "
                    + last + " elements, array has " + x.length);
    }
}
