package jprune.tensor;

import static jprune.tensor.GemmMicroKernel.LANES;
import static jprune.tensor.GemmMicroKernel.MR;
import static jprune.tensor.GemmMicroKernel.NR;

import java.util.Arrays;
import java.util.Objects;

/**
 * Single-precision matrix multiply, BLAS sgemm style: C = op(A)·op(B) (+ C when accumulating),
 * where op(X) is X or its transpose. All matrices are row-major with leading dimensions
 * lda, ldb, ldc (elements between consecutive rows as stored).
 *
 * <p>Cache-blocked in the GotoBLAS/BLIS manner: a kc×nc block of op(B) is packed into NR-wide
 * panels that stay in L2 (or, when few rows of A would reuse it, read in place), and
 * {@link GemmMicroKernel} multiplies an MR-row sliver of op(A) (read in place; it stays in L1) by
 * one panel at a time in registers. Threads split C by rows or by columns. Every element of C is one
 * chain of fused multiply-adds in k order, so results are bit-identical whatever the thread count
 * or blocking.
 */
public final class Gemm {
    private Gemm() {}

    /*
     * Block sizes for a core with 32 KiB L1d and 1 MiB L2 (Zen 4), measured on 2048³: a kc = 512 deep
     * A sliver (8 × 512 floats, 16 KiB) stays in L1 while it meets every panel of a packed B block of
     * kc × nc = 512 × 384 floats (768 KiB) held in L2. kc ∈ {256, 384, 512} × nc ∈ {192, 384, 768}
     * were all within ~5% of each other; smaller kc re-reads C more often, larger blocks spill L2.
     */
    static final int KC = 512;
    /** Columns of B packed at a time; a multiple of NR. */
    static final int NC = GemmPacking.ceilDiv(384, NR) * NR;
    /** Below this many flops a call stays on the calling thread: waking the pool costs ~15 µs. */
    static final long PARALLEL_FLOPS = 4_000_000L;
    /**
     * With at most this many row slivers per thread, B is read in place rather than packed: the
     * packing is not repaid by enough reuse. Measured: in place wins up to m = 128 even with
     * ldb = 2048; packing wins by 5-8% from m ≈ 256 with large k.
     */
    static final int DIRECT_B_SLIVERS = 16;

    /**
     * A·Bᵀ with at most this many outputs and at least this depth goes to {@link GemmDotKernel}:
     * a convolution's weight gradient (6×25 or 16×150 outputs over thousands of positions) would
     * otherwise spend its time transposing B into panels.
     */
    static final int DOT_MAX_OUTPUTS = 4096, DOT_MIN_DEPTH = 512;

    /** Per-thread pack buffers, grown on demand and kept: training calls GEMM thousands of times a second. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * @param transA if true, A is stored k×m and op(A) = Aᵀ; otherwise stored m×k
     * @param transB if true, B is stored n×k and op(B) = Bᵀ; otherwise stored k×n
     * @param accumulate if true, C += op(A)·op(B); otherwise C = op(A)·op(B)
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            boolean accumulate, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0)
            throw new IllegalArgumentException("negative size: m=" + m + ", n=" + n + ", k=" + k);
        checkMatrix("c", c, cOff, ldc, m, n);
        if (m == 0 || n == 0) return;
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
            return;
        }
        checkMatrix("a", a, aOff, lda, transA ? k : m, transA ? m : k);
        checkMatrix("b", b, bOff, ldb, transB ? n : k, transB ? k : n);

        if (VectorPolicy.SCALAR) {
            if (2L * m * n * k < PARALLEL_FLOPS || Parallel.inWorker()) {
                scalar(transA, transB, 0, m, n, k, a, aOff, lda, b, bOff, ldb, accumulate, c, cOff, ldc);
            } else {
                Parallel.forRange(m, 1, (chunk, from, to) ->
                        scalar(transA, transB, from, to, n, k, a, aOff, lda, b, bOff, ldb, accumulate, c, cOff, ldc));
            }
            return;
        }
        if (!transA && transB && (long) m * n <= DOT_MAX_OUTPUTS && k >= DOT_MIN_DEPTH) {
            GemmDotKernel.run(m, n, k, a, aOff, lda, b, bOff, ldb, accumulate, c, cOff, ldc);
            return;
        }
        Problem pr = new Problem(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, accumulate, c, cOff, ldc);
        int slivers = GemmPacking.ceilDiv(m, MR), vectors = GemmPacking.ceilDiv(n, LANES);
        int threads = Math.min(Parallel.threads(), Math.max(slivers, vectors));
        if (threads <= 1 || 2L * m * n * k < PARALLEL_FLOPS || Parallel.inWorker()) {
            pr.region(0, m, 0, n);
        } else if (splitRows(pr, threads, slivers, vectors)) {
            Parallel.forRange(slivers, 1, (chunk, from, to) -> pr.region(from * MR, Math.min(m, to * MR), 0, n));
        } else {
            Parallel.forRange(vectors, 1, (chunk, from, to) -> pr.region(0, m, from * LANES, Math.min(n, to * LANES)));
        }
    }

    /**
     * Whether splitting C's rows (in MR-row slivers) over threads beats splitting its columns (in
     * vector-wide strips), judged on the busiest thread: padded multiply-adds (about 16 a cycle)
     * plus elements of B it packs (about one a cycle; with rows split, every thread packs all of B).
     */
    private static boolean splitRows(Problem pr, int threads, int slivers, int vectors) {
        int rowSlivers = GemmPacking.ceilDiv(slivers, Math.min(threads, slivers));
        int colVectors = GemmPacking.ceilDiv(vectors, Math.min(threads, vectors));
        return cost(pr, rowSlivers, vectors) < cost(pr, slivers, colVectors);
    }

    private static long cost(Problem pr, int slivers, int vectors) {
        long rows = (long) slivers * MR, cols = (long) vectors * LANES;
        return rows * cols * pr.k / 16 + (pr.packsB(slivers) ? cols * pr.k : 0);
    }

    /**
     * Rows [m0, m1) of C without vectors (the scalar vector policy): every element the same chain of
     * fused multiply-adds in k order as {@link GemmMicroKernel} computes, so the result is bit for
     * bit what the vector kernel gives.
     */
    static void scalar(boolean transA, boolean transB, int m0, int m1, int n, int k,
                       float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       boolean accumulate, float[] c, int cOff, int ldc) {
        for (int i = m0; i < m1; i++) {
            int ci = cOff + i * ldc;
            if (!accumulate) Arrays.fill(c, ci, ci + n, 0f);
            for (int p = 0; p < k; p++) {
                float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                if (transB) {
                    for (int j = 0; j < n; j++) c[ci + j] = Math.fma(av, b[bOff + j * ldb + p], c[ci + j]);
                } else {
                    int bi = bOff + p * ldb;
                    for (int j = 0; j < n; j++) c[ci + j] = Math.fma(av, b[bi + j], c[ci + j]);
                }
            }
        }
    }

    private static void checkMatrix(String name, float[] x, int off, int ld, int rows, int cols) {
        Objects.requireNonNull(x, name);
        if (off < 0) throw new IllegalArgumentException(name + "Off is negative: " + off);
        if (rows == 0 || cols == 0) return;
        if (ld < cols)
            throw new IllegalArgumentException("ld" + name + "=" + ld + " is less than the " + cols + " columns of " + name);
        long last = off + (long) (rows - 1) * ld + cols - 1;
        if (last >= x.length)
            throw new IllegalArgumentException(name + " has " + x.length + " elements but a " + rows + "×" + cols
                    + " matrix at offset " + off + " with ld=" + ld + " needs " + (last + 1));
    }

    /** One call's arguments; {@link #region} computes a rectangle of C on the current thread. */
    private record Problem(boolean transA, boolean transB, int m, int n, int k,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           boolean accumulate, float[] c, int cOff, int ldc) {

        /**
         * Whether a thread with this many row slivers packs B. Packing pays once a panel is reused by
         * enough slivers; op(B) = Bᵀ has to be packed (transposed) anyway.
         */
        boolean packsB(int slivers) {
            return transB || slivers > DIRECT_B_SLIVERS;
        }

        /**
         * C[m0..m1) × [n0..n1). Loops: kc-deep slabs of k, nc-wide blocks of B packed to sit in L2,
         * then each MR-row sliver of A (read in place, so it stays in L1) against every panel.
         */
        void region(int m0, int m1, int n0, int n1) {
            Scratch s = SCRATCH.get();
            boolean packB = packsB(GemmPacking.ceilDiv(m1 - m0, MR));
            // Equal slabs: a thin last one would load and store C for a few k steps only.
            int slabK = GemmPacking.ceilDiv(k, GemmPacking.ceilDiv(k, KC));
            for (int pc = 0; pc < k; pc += slabK) {
                int kc = Math.min(slabK, k - pc);
                boolean loadC = accumulate || pc > 0;
                for (int jc = n0; jc < n1; jc += NC) {
                    int nc = Math.min(NC, n1 - jc);
                    float[] pb = null;
                    int lastPanel = (nc - 1) / NR * NR;
                    if (packB) {
                        pb = s.b(GemmPacking.bSize(nc, kc));
                        GemmPacking.packB(transB, b, bOff, ldb, pc, kc, jc, nc, pb);
                    } else if ((nc - lastPanel) % LANES != 0) {
                        // In place, a last panel not a whole number of vectors wide would read past
                        // the row: that one panel is packed.
                        pb = s.b(GemmPacking.bSize(nc - lastPanel, kc));
                        GemmPacking.packB(false, b, bOff, ldb, pc, kc, jc + lastPanel, nc - lastPanel, pb);
                    }
                    for (int i = m0; i < m1; i += MR) {
                        sliver(s, i, Math.min(MR, m1 - i), pc, kc, jc, nc, packB, pb, lastPanel, loadC);
                    }
                }
            }
        }

        /** Rows [i, i+h) of C against columns [jc, jc+nc), k steps [pc, pc+kc). */
        private void sliver(Scratch s, int i, int h, int pc, int kc, int jc, int nc,
                            boolean packB, float[] pb, int lastPanel, boolean loadC) {
            int rows = GemmMicroKernel.kernelRows(h);
            float[] as = a;
            int ai, ars, aks;
            if (h < rows) {
                as = s.sliver(MR * kc);
                GemmPacking.packA(transA, a, aOff, lda, i, h, pc, kc, as);
                ai = 0;
                ars = 1;
                aks = MR;
            } else if (transA) {
                ai = aOff + pc * lda + i;
                ars = 1;
                aks = lda;
            } else {
                ai = aOff + i * lda + pc;
                ars = lda;
                aks = 1;
            }
            for (int j = 0; j < nc; j += NR) {
                int w = Math.min(NR, nc - j);
                int vectors = GemmPacking.ceilDiv(w, LANES);
                float[] bs;
                int bi, bks;
                if (packB) {
                    bs = pb;
                    bi = j * kc;
                    bks = NR;
                } else if (j == lastPanel && pb != null) {
                    bs = pb;
                    bi = 0;
                    bks = NR;
                } else {
                    bs = b;
                    bi = bOff + pc * ldb + jc + j;
                    bks = ldb;
                }
                int ci = cOff + i * ldc + jc + j;
                if (h == rows && w == vectors * LANES) {
                    GemmMicroKernel.tile(rows, vectors, kc, as, ai, ars, aks, bs, bi, bks, c, ci, ldc, loadC);
                } else {
                    // Cut by the edge of C: run in a full-size scratch tile and copy back the h×w corner.
                    float[] t = s.tile;
                    if (loadC) {
                        for (int r = 0; r < h; r++) System.arraycopy(c, ci + r * ldc, t, r * NR, w);
                    }
                    GemmMicroKernel.tile(rows, vectors, kc, as, ai, ars, aks, bs, bi, bks, t, 0, NR, loadC);
                    for (int r = 0; r < h; r++) System.arraycopy(t, r * NR, c, ci + r * ldc, w);
                }
            }
        }
    }

    /** A thread's reusable pack buffers. */
    private static final class Scratch {
        final float[] tile = new float[MR * NR];
        private float[] sliver = new float[0];
        private float[] b = new float[0];

        float[] sliver(int size) {
            if (sliver.length < size) sliver = new float[size];
            return sliver;
        }

        float[] b(int size) {
            if (b.length < size) b = new float[size];
            return b;
        }
    }
}
