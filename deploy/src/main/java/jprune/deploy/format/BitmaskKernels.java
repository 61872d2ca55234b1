package jprune.deploy.format;

import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Bitmask products, each next to its scalar reference.
 *
 * <p>Batch 1 walks a row L columns at a time: the L bits of those columns become a vector mask
 * ({@link VectorMask#fromLong}), the next popcount values are loaded contiguously and expanded into
 * the set lanes (zeros elsewhere), and one FMA with x[c..c+L) accumulates them. The cost is per
 * column, not per nonzero, and needs no branch on the bits; the values array is padded by L so the
 * load at the row's last values stays in bounds.
 */
final class BitmaskKernels {
    private BitmaskKernels() {}

    /** Mask bits per chunk of L columns. */
    private static final long LANE_BITS = L == 64 ? -1L : (1L << L) - 1;

    static void gemv(long[] bits, int words, int[] start, float[] v, int cols, float[] x, float[] y, int from, int to) {
        int full = cols - cols % L;
        for (int r = from; r < to; r++) {
            int k = start[r], wb = r * words;
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            int c = 0;
            // Two chunks per step into two accumulators, so consecutive FMAs do not wait on each other.
            for (; c + 2 * L <= full; c += 2 * L) {
                long m0 = bits[wb + (c >>> 6)] >>> (c & 63) & LANE_BITS;
                long m1 = bits[wb + ((c + L) >>> 6)] >>> ((c + L) & 63) & LANE_BITS;
                a0 = FloatVector.fromArray(F, v, k).expand(VectorMask.fromLong(F, m0)).fma(FloatVector.fromArray(F, x, c), a0);
                k += Long.bitCount(m0);
                a1 = FloatVector.fromArray(F, v, k).expand(VectorMask.fromLong(F, m1)).fma(FloatVector.fromArray(F, x, c + L), a1);
                k += Long.bitCount(m1);
            }
            for (; c < full; c += L) {
                long m0 = bits[wb + (c >>> 6)] >>> (c & 63) & LANE_BITS;
                a0 = FloatVector.fromArray(F, v, k).expand(VectorMask.fromLong(F, m0)).fma(FloatVector.fromArray(F, x, c), a0);
                k += Long.bitCount(m0);
            }
            float s = FormatSpecies.sum(a0.add(a1));
            for (; c < cols; c++) {
                if ((bits[wb + (c >>> 6)] >>> c & 1) != 0) s = Math.fma(v[k++], x[c], s);
            }
            y[r] = s;
        }
    }

    static void gemvInt8(long[] bits, int words, int[] start, byte[] q, float[] scale, int cols, float[] x, float[] y,
                         int from, int to) {
        int full = FormatSpecies.INT8_VECTORS ? cols - cols % L : 0;
        for (int r = from; r < to; r++) {
            int k = start[r], wb = r * words;
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            int c = 0;
            for (; c + 2 * L <= full; c += 2 * L) {
                long m0 = bits[wb + (c >>> 6)] >>> (c & 63) & LANE_BITS;
                long m1 = bits[wb + ((c + L) >>> 6)] >>> ((c + L) & 63) & LANE_BITS;
                a0 = DenseKernels.widen(q, k).expand(VectorMask.fromLong(F, m0)).fma(FloatVector.fromArray(F, x, c), a0);
                k += Long.bitCount(m0);
                a1 = DenseKernels.widen(q, k).expand(VectorMask.fromLong(F, m1)).fma(FloatVector.fromArray(F, x, c + L), a1);
                k += Long.bitCount(m1);
            }
            for (; c < full; c += L) {
                long m0 = bits[wb + (c >>> 6)] >>> (c & 63) & LANE_BITS;
                a0 = DenseKernels.widen(q, k).expand(VectorMask.fromLong(F, m0)).fma(FloatVector.fromArray(F, x, c), a0);
                k += Long.bitCount(m0);
            }
            float s = FormatSpecies.sum(a0.add(a1));
            for (; c < cols; c++) {
                if ((bits[wb + (c >>> 6)] >>> c & 1) != 0) s = Math.fma(q[k++], x[c], s);
            }
            y[r] = s * scale[r];
        }
    }

    /** Reference for both matrix-vector products: w holds the packed weights as floats (int8 widened), scale is null for fp32. */
    static void gemvScalar(long[] bits, int words, float[] w, float[] scale, int cols, float[] x, float[] y, int from, int to) {
        int k = 0;
        for (int r = 0; r < from; r++) {
            for (int i = r * words; i < (r + 1) * words; i++) k += Long.bitCount(bits[i]);
        }
        for (int r = from; r < to; r++) {
            float s = 0;
            for (int c = 0; c < cols; c++) {
                if ((bits[r * words + c / 64] >>> (c % 64) & 1) != 0) s += w[k++] * x[c];
            }
            y[r] = scale == null ? s : s * scale[r];
        }
    }

    /** Rows [from, to) of Y = W·X: each row's set bits become column indices (and int8 weights floats) in scratch. */
    static void gemm(long[] bits, int words, int[] start, float[] v, byte[] q, float[] scale, int maxRow,
                     float[] x, int batch, float[] y, int from, int to) {
        Scratch s = Scratch.get();
        int[] cols = s.ints(maxRow);
        float[] w = q != null ? s.floats(maxRow) : null;
        for (int r = from; r < to; r++) {
            int n = 0;
            for (int i = 0; i < words; i++) {
                long word = bits[r * words + i];
                while (word != 0) {
                    cols[n++] = (i << 6) + Long.numberOfTrailingZeros(word);
                    word &= word - 1;
                }
            }
            int k0 = start[r];
            if (q != null) {
                for (int k = 0; k < n; k++) w[k] = q[k0 + k];
                SparseRowKernels.row(cols, 0, w, 0, n, x, batch, y, r * batch, scale[r]);
            } else {
                SparseRowKernels.row(cols, 0, v, k0, n, x, batch, y, r * batch, 1f);
            }
        }
    }

    /** Reference for both batched products (weights and scales as in {@link #gemvScalar}). */
    static void gemmScalar(long[] bits, int words, float[] w, float[] scale, int cols, float[] x, int batch, float[] y,
                           int from, int to) {
        float[] col = new float[cols], ys = new float[to];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < cols; c++) col[c] = x[c * batch + b];
            gemvScalar(bits, words, w, scale, cols, col, ys, from, to);
            for (int r = from; r < to; r++) y[r * batch + b] = ys[r];
        }
    }
}
