package jprune.deploy.format;

import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.L;

import java.util.Arrays;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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
        VectorShuffle<Float> tile = tiled ? VectorShuffle.fromOp(F, j -> j % bc) : null;
        float[] lanes = new float[L], sums = new float[br];
        for (int i = from; i < to; i++) {
            Arrays.fill(sums, 0f);
            int k0 = ptr[i], k1 = ptr[i + 1];
            for (int vi = 0; vi < vectors; vi++) {
                int within = vi * L, xShift = tiled ? 0 : within % bc;
                FloatVector a0 = FloatVector.zero(F), a1 = a0;
                int k = k0;
                for (; k + 1 < k1; k += 2) {
                    a0 = blockVector(v, q, k * rc + within).fma(xFor(xp, bcol[k] * bc + xShift, tile), a0);
                    a1 = blockVector(v, q, (k + 1) * rc + within).fma(xFor(xp, bcol[k + 1] * bc + xShift, tile), a1);
                }
                if (k < k1) a0 = blockVector(v, q, k * rc + within).fma(xFor(xp, bcol[k] * bc + xShift, tile), a0);
                FloatVector a = a0.add(a1);
                if (tiled) {
                    // Lane j holds row (within + j) / bc of the block.
                    a.intoArray(lanes, 0);
                    for (int j = 0; j < L; j++) sums[(within + j) / bc] += lanes[j];
                } else {
                    sums[within / bc] += FormatSpecies.sum(a);
                }
            }
            for (int a = 0; a < br && i * br + a < rows; a++) {
                int r = i * br + a;
                y[r] = q != null ? sums[a] * scale[r] : sums[a];
            }
        }
    }

    private static FloatVector blockVector(float[] v, byte[] q, int at) {
        return q != null ? DenseKernels.widen(q, at) : FloatVector.fromArray(F, v, at);
    }

    /** x from column c: the block's C columns tiled across the lanes, or L consecutive columns. */
    private static FloatVector xFor(float[] xp, int c, VectorShuffle<Float> tile) {
        FloatVector xv = FloatVector.fromArray(F, xp, c);
        return tile != null ? xv.rearrange(tile) : xv;
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
