package jprune.deploy.format;

import static jprune.deploy.format.DenseKernels.B2F;
import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.L;

import java.util.Arrays;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * BSR products, each next to its scalar reference.
 *
 * <p>Batch 1 treats a block's R·C contiguous values as R·C/L vectors. When C divides L, the block's
 * x segment repeated L/C times ("tiled", one in-register permute of a single load) lines up with
 * every vector of the block; when L divides C, each vector meets one contiguous load of x. The
 * products accumulate lane-wise over all blocks of a block row, and only then are lanes summed into
 * their rows. Block shapes with fewer than L entries or other widths use the scalar loop. x is
 * copied once per product into a zero-padded buffer so edge blocks need no bounds logic.
 */
final class BlockSparseKernels {
    private BlockSparseKernels() {}

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** Whether R×C blocks have the vector path. */
    static boolean vectorized(int br, int bc, boolean int8) {
        if (int8 && !FormatSpecies.INT8_VECTORS) return false;
        return (br * bc) % L == 0 && (L % bc == 0 || bc % L == 0);
    }

    /** x[0..cols) followed by zeros up to paddedCols + L (room for a full vector load at any block). */
    static float[] padX(float[] x, int cols, int paddedCols) {
        float[] xp = new float[paddedCols + L];
        System.arraycopy(x, 0, xp, 0, cols);
        return xp;
    }

    /** Block rows [from, to) of y = W·x, x padded by {@link #padX}. v or q (with scale) holds the values. */
    static void gemv(int[] ptr, int[] bcol, float[] v, byte[] q, float[] scale, int rows, int br, int bc,
                     float[] xp, float[] y, int from, int to) {
        if (!vectorized(br, bc, q != null)) {
            gemvScalar(ptr, bcol, v, q, scale, rows, br, bc, xp, y, from, to);
            return;
        }
        int rc = br * bc, vectors = rc / L;
        boolean tiled = L % bc == 0;
        VectorShuffle<Float> tile = VectorShuffle.fromOp(F, j -> j % bc);
        float[] lanes = Scratch.get().lanes, sums = new float[br];
        for (int i = from; i < to; i++) {
            java.util.Arrays.fill(sums, 0f);
            for (int vi = 0; vi < vectors; vi++) {
                int within = vi * L;
                if (tiled) {
                    if (q != null) tiledInt8(ptr[i], ptr[i + 1], bcol, q, rc, within, bc, xp, tile, lanes);
                    else tiled(ptr[i], ptr[i + 1], bcol, v, rc, within, bc, xp, tile, lanes);
                    // Lane j holds row (within + j) / bc of the block.
                    for (int j = 0; j < L; j++) sums[(within + j) / bc] += lanes[j];
                } else {
                    if (q != null) directInt8(ptr[i], ptr[i + 1], bcol, q, rc, within, bc, within % bc, xp, lanes);
                    else direct(ptr[i], ptr[i + 1], bcol, v, rc, within, bc, within % bc, xp, lanes);
                    sums[within / bc] += FormatSpecies.sum(lanes);
                }
            }
            for (int a = 0; a < br && i * br + a < rows; a++) {
                int r = i * br + a;
                y[r] = q != null ? sums[a] * scale[r] : sums[a];
            }
        }
    }

    /*
     * Vector vi of every block in a block row against x, accumulated lane-wise into lanes: with the
     * block's C columns of x tiled across the lanes (C divides L), or from L consecutive columns
     * (L divides C). Four loops rather than one with branches or vector-valued helpers, which C2 may
     * decline to inline (see FormatSpecies.sum).
     */

    private static void tiled(int k, int end, int[] bcol, float[] v, int rc, int within, int bc, float[] xp,
                              VectorShuffle<Float> tile, float[] lanes) {
        FloatVector a = FloatVector.zero(F);
        for (; k < end; k++) {
            a = FloatVector.fromArray(F, v, k * rc + within).fma(FloatVector.fromArray(F, xp, bcol[k] * bc).rearrange(tile), a);
        }
        a.intoArray(lanes, 0);
    }

    private static void tiledInt8(int k, int end, int[] bcol, byte[] q, int rc, int within, int bc, float[] xp,
                                  VectorShuffle<Float> tile, float[] lanes) {
        FloatVector a = FloatVector.zero(F);
        for (; k < end; k++) {
            a = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, k * rc + within).convertShape(B2F, F, 0))
                    .fma(FloatVector.fromArray(F, xp, bcol[k] * bc).rearrange(tile), a);
        }
        a.intoArray(lanes, 0);
    }

    private static void direct(int k, int end, int[] bcol, float[] v, int rc, int within, int bc, int shift, float[] xp,
                               float[] lanes) {
        FloatVector a = FloatVector.zero(F);
        for (; k < end; k++) {
            a = FloatVector.fromArray(F, v, k * rc + within).fma(FloatVector.fromArray(F, xp, bcol[k] * bc + shift), a);
        }
        a.intoArray(lanes, 0);
    }

    private static void directInt8(int k, int end, int[] bcol, byte[] q, int rc, int within, int bc, int shift, float[] xp,
                                   float[] lanes) {
        FloatVector a = FloatVector.zero(F);
        for (; k < end; k++) {
            a = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, k * rc + within).convertShape(B2F, F, 0))
                    .fma(FloatVector.fromArray(F, xp, bcol[k] * bc + shift), a);
        }
        a.intoArray(lanes, 0);
    }

    /** Reference for both matrix-vector products; x padded by {@link #padX} (padding entries are zero). */
    static void gemvScalar(int[] ptr, int[] bcol, float[] v, byte[] q, float[] scale, int rows, int br, int bc,
                           float[] x, float[] y, int from, int to) {
        int rc = br * bc;
        for (int i = from; i < to; i++) {
            for (int a = 0; a < br && i * br + a < rows; a++) {
                int r = i * br + a;
                float s = 0;
                for (int k = ptr[i]; k < ptr[i + 1]; k++) {
                    for (int b = 0; b < bc; b++) {
                        int at = k * rc + a * bc + b;
                        s += (q != null ? q[at] : v[at]) * x[bcol[k] * bc + b];
                    }
                }
                y[r] = q != null ? s * scale[r] : s;
            }
        }
    }

    /**
     * Block rows [from, to) of Y = W·X: the rows of enough block rows to make about
     * {@link SparseRowKernels#BLOCK_ROWS} matrix rows decode to (column, weight) pairs, padding
     * columns left out, and go to {@link SparseRowKernels#rows}; blocks four rows tall go to
     * {@link #gemm4} instead.
     */
    static void gemm(int[] ptr, int[] bcol, float[] v, byte[] q, float[] scale, int rows, int cols, int br, int bc,
                     int maxRow, MemorySegment x, int batch, float[] y, int from, int to) {
        if (br == 4) {
            gemm4(ptr, bcol, v, q, scale, rows, cols, bc, maxRow, x, batch, y, from, to);
            return;
        }
        int group = Math.max(1, SparseRowKernels.BLOCK_ROWS / br), rowsPerGroup = group * br;
        Scratch s = Scratch.get();
        int[] c = s.ints(rowsPerGroup * maxRow);
        float[] w = s.floats(rowsPerGroup * maxRow);
        int[] start = new int[rowsPerGroup + 1];
        int rc = br * bc;
        for (int i0 = from; i0 < to; i0 += group) {
            int i1 = Math.min(to, i0 + group), n = 0, k = 0;
            for (int i = i0; i < i1; i++) {
                for (int a = 0; a < br && i * br + a < rows; a++, n++) {
                    start[n] = k;
                    for (int blk = ptr[i]; blk < ptr[i + 1]; blk++) {
                        int c0 = bcol[blk] * bc, at = blk * rc + a * bc;
                        for (int b = 0, width = Math.min(bc, cols - c0); b < width; b++, k++) {
                            c[k] = c0 + b;
                            w[k] = q != null ? q[at + b] : v[at + b];
                        }
                    }
                }
            }
            start[n] = k;
            SparseRowKernels.rows(n, start, c, w, 0, scale, i0 * br, x, batch, y);
        }
    }

    /**
     * Block rows [from, to) of Y = W·X for blocks four rows tall, register-blocked: each column of a
     * block loads its run of X once and adds it into all four rows' accumulators, where decoding to
     * rows loads it once per row. Each output is the same chain of fused multiply-adds as there (the
     * row's blocks in order, each block's columns in order), so the bits are the same. X as
     * {@link SparseRowKernels#aligned} returns it; int8 values are widened a block row at a time.
     *
     * <p>Over 325 bytes of bytecode, so C2 never inlines it and compiles it the same way in every JVM
     * (see {@link SparseRowKernels}).
     */
    private static void gemm4(int[] ptr, int[] bcol, float[] v, byte[] q, float[] scale, int rows, int cols, int bc,
                              int maxRow, MemorySegment x, int batch, float[] y, int from, int to) {
        int rc = 4 * bc;
        float[] wide = q != null ? Scratch.get().floats(maxRow * 4) : null;
        long rowBytes = 4L * batch, lane = 4L * L;
        for (int i = from; i < to; i++) {
            int k0 = ptr[i], k1 = ptr[i + 1], r0 = 4 * i;
            float[] w = v;
            int shift = 0;
            if (q != null) {
                for (int j = k0 * rc, e = k1 * rc; j < e; j++) wide[j - k0 * rc] = q[j];
                w = wide;
                shift = -k0 * rc;
            }
            int b = 0;
            for (; b + 2 * L <= batch; b += 2 * L) {
                long bOff = 4L * b;
                FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
                for (int k = k0; k < k1; k++) {
                    int c0 = bcol[k] * bc, at = k * rc + shift;
                    for (int c = 0, width = Math.min(bc, cols - c0); c < width; c++) {
                        long xa = (c0 + c) * rowBytes + bOff;
                        FloatVector x0 = FloatVector.fromMemorySegment(F, x, xa, ORDER), x1 = FloatVector.fromMemorySegment(F, x, xa + lane, ORDER);
                        FloatVector w0 = FloatVector.broadcast(F, w[at + c]), w1 = FloatVector.broadcast(F, w[at + bc + c]);
                        FloatVector w2 = FloatVector.broadcast(F, w[at + 2 * bc + c]), w3 = FloatVector.broadcast(F, w[at + 3 * bc + c]);
                        a00 = x0.fma(w0, a00);
                        a01 = x1.fma(w0, a01);
                        a10 = x0.fma(w1, a10);
                        a11 = x1.fma(w1, a11);
                        a20 = x0.fma(w2, a20);
                        a21 = x1.fma(w2, a21);
                        a30 = x0.fma(w3, a30);
                        a31 = x1.fma(w3, a31);
                    }
                }
                store(a00, scale, r0, rows, y, r0 * batch + b);
                store(a01, scale, r0, rows, y, r0 * batch + b + L);
                store(a10, scale, r0 + 1, rows, y, (r0 + 1) * batch + b);
                store(a11, scale, r0 + 1, rows, y, (r0 + 1) * batch + b + L);
                store(a20, scale, r0 + 2, rows, y, (r0 + 2) * batch + b);
                store(a21, scale, r0 + 2, rows, y, (r0 + 2) * batch + b + L);
                store(a30, scale, r0 + 3, rows, y, (r0 + 3) * batch + b);
                store(a31, scale, r0 + 3, rows, y, (r0 + 3) * batch + b + L);
            }
            for (; b < batch; b += L) {
                VectorMask<Float> m = F.indexInRange(b, batch);
                long bOff = 4L * b;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int k = k0; k < k1; k++) {
                    int c0 = bcol[k] * bc, at = k * rc + shift;
                    for (int c = 0, width = Math.min(bc, cols - c0); c < width; c++) {
                        FloatVector xv = FloatVector.fromMemorySegment(F, x, (c0 + c) * rowBytes + bOff, ORDER, m);
                        a0 = xv.fma(FloatVector.broadcast(F, w[at + c]), a0);
                        a1 = xv.fma(FloatVector.broadcast(F, w[at + bc + c]), a1);
                        a2 = xv.fma(FloatVector.broadcast(F, w[at + 2 * bc + c]), a2);
                        a3 = xv.fma(FloatVector.broadcast(F, w[at + 3 * bc + c]), a3);
                    }
                }
                storeMasked(a0, scale, r0, rows, y, r0 * batch + b, m);
                storeMasked(a1, scale, r0 + 1, rows, y, (r0 + 1) * batch + b, m);
                storeMasked(a2, scale, r0 + 2, rows, y, (r0 + 2) * batch + b, m);
                storeMasked(a3, scale, r0 + 3, rows, y, (r0 + 3) * batch + b, m);
            }
        }
    }

    /** Row r's sums, scaled when the values are int8; rows past the matrix's edge are padding. */
    private static void store(FloatVector a, float[] scale, int r, int rows, float[] y, int at) {
        if (r < rows) (scale != null ? a.mul(scale[r]) : a).intoArray(y, at);
    }

    private static void storeMasked(FloatVector a, float[] scale, int r, int rows, float[] y, int at, VectorMask<Float> m) {
        if (r < rows) (scale != null ? a.mul(scale[r]) : a).intoArray(y, at, m);
    }

    /** Reference for both batched products. */
    static void gemmScalar(int[] ptr, int[] bcol, float[] v, byte[] q, float[] scale, int rows, int cols, int br, int bc,
                           float[] x, int batch, float[] y, int from, int to) {
        float[] col = new float[cols], ys = new float[rows];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < cols; c++) col[c] = x[c * batch + b];
            gemvScalar(ptr, bcol, v, q, scale, rows, br, bc, padX(col, cols, ceilCols(cols, bc)), ys, from, to);
            for (int i = from; i < to; i++) {
                for (int a = 0; a < br && i * br + a < rows; a++) y[(i * br + a) * batch + b] = ys[i * br + a];
            }
        }
    }

    private static int ceilCols(int cols, int bc) {
        return BlockSparseMatrix.ceilDiv(cols, bc) * bc;
    }
}
