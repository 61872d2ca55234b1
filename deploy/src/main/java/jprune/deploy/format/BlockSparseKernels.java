package jprune.deploy.format;

import static jprune.deploy.format.DenseKernels.B2F;
import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.L;

import java.util.Arrays;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
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
     * columns left out, and go to {@link SparseRowKernels#rows}.
     */
    static void gemm(int[] ptr, int[] bcol, float[] v, byte[] q, float[] scale, int rows, int cols, int br, int bc,
                     int maxRow, MemorySegment x, int batch, float[] y, int from, int to) {
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
