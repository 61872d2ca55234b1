package jprune.deploy.format;

import static jprune.deploy.format.DenseKernels.B2F;
import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.FOLD_1;
import static jprune.deploy.format.FormatSpecies.FOLD_2;
import static jprune.deploy.format.FormatSpecies.FOLD_4;
import static jprune.deploy.format.FormatSpecies.FOLD_8;
import static jprune.deploy.format.FormatSpecies.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;

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

    /** Columns per segment: four chunks of L whose value offsets come from prefix popcounts. */
    private static final int SEG = 4 * L;
    private static final long SEG_BITS = SEG == 64 ? -1L : (1L << SEG) - 1;
    /** A segment's bits of its first two and first three chunks: their popcounts are the later chunks' value offsets. */
    private static final long FIRST_2 = LANE_BITS << L | LANE_BITS, FIRST_3 = LANE_BITS << 2 * L | FIRST_2;

    /**
     * The next value's index moves by each chunk's popcount, a serial chain (popcount, add, load)
     * that held the loop at ~4 cycles per chunk. Within a segment of four chunks the offsets come
     * from popcounts of the segment's prefixes instead, which run in parallel; only one
     * popcount-add per segment stays serial. Two rows, from the range's halves, advance in lockstep
     * over the same columns: they share the loads of x, and twice the loads are in flight, which is
     * what a product streaming its matrix from memory lacks (its time went up to twice the warm
     * time). Each row's chain and lane sum are the same as a row alone. The load-expand-FMA steps are
     * written out (no helper takes or returns a vector: see FormatSpecies.sum).
     */
    static void gemv(long[] bits, int words, int[] start, float[] v, int cols, float[] x, float[] y, int from, int to) {
        gemvSegments(bits, words, start, v, cols, x, y, from, to);
        finishRows(bits, words, start, v, null, null, cols - cols % SEG, cols, x, y, from, to);
    }

    /** Rows [from, to): each row's lane sum over its whole segments into y, pairs in lockstep as described at {@link #gemv}. */
    private static void gemvSegments(long[] bits, int words, int[] start, float[] v, int cols, float[] x, float[] y, int from, int to) {
        int segs = cols - cols % SEG;
        int half = (to - from) >>> 1;
        for (int i = 0; i < half; i++) {
            int r = from + i, s = r + half;
            int k = start[r], wb = r * words, m = start[s], ws = s * words;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int c = 0; c < segs; c += SEG) {
                FloatVector x0 = FloatVector.fromArray(F, x, c), x1 = FloatVector.fromArray(F, x, c + L);
                FloatVector x2 = FloatVector.fromArray(F, x, c + 2 * L), x3 = FloatVector.fromArray(F, x, c + 3 * L);
                long seg = bits[wb + (c >>> 6)] >>> (c & 63) & SEG_BITS, teg = bits[ws + (c >>> 6)] >>> (c & 63) & SEG_BITS;
                int k1 = k + Long.bitCount(seg & LANE_BITS);
                int k2 = k + Long.bitCount(seg & FIRST_2);
                int k3 = k + Long.bitCount(seg & FIRST_3);
                int m1 = m + Long.bitCount(teg & LANE_BITS);
                int m2 = m + Long.bitCount(teg & FIRST_2);
                int m3 = m + Long.bitCount(teg & FIRST_3);
                a0 = FloatVector.fromArray(F, v, k).expand(VectorMask.fromLong(F, seg & LANE_BITS)).fma(x0, a0);
                b0 = FloatVector.fromArray(F, v, m).expand(VectorMask.fromLong(F, teg & LANE_BITS)).fma(x0, b0);
                a1 = FloatVector.fromArray(F, v, k1).expand(VectorMask.fromLong(F, seg >>> L & LANE_BITS)).fma(x1, a1);
                b1 = FloatVector.fromArray(F, v, m1).expand(VectorMask.fromLong(F, teg >>> L & LANE_BITS)).fma(x1, b1);
                a2 = FloatVector.fromArray(F, v, k2).expand(VectorMask.fromLong(F, seg >>> 2 * L & LANE_BITS)).fma(x2, a2);
                b2 = FloatVector.fromArray(F, v, m2).expand(VectorMask.fromLong(F, teg >>> 2 * L & LANE_BITS)).fma(x2, b2);
                a3 = FloatVector.fromArray(F, v, k3).expand(VectorMask.fromLong(F, seg >>> 3 * L & LANE_BITS)).fma(x3, a3);
                b3 = FloatVector.fromArray(F, v, m3).expand(VectorMask.fromLong(F, teg >>> 3 * L & LANE_BITS)).fma(x3, b3);
                k += Long.bitCount(seg);
                m += Long.bitCount(teg);
            }
            // each row's lane sum folded in registers, as in gemvRows
            FloatVector a = a0.add(a1).add(a2.add(a3)), b = b0.add(b1).add(b2.add(b3));
            if (FOLD_8 != null) {
                a = a.add(a.rearrange(FOLD_8));
                b = b.add(b.rearrange(FOLD_8));
            }
            if (FOLD_4 != null) {
                a = a.add(a.rearrange(FOLD_4));
                b = b.add(b.rearrange(FOLD_4));
            }
            a = a.add(a.rearrange(FOLD_2));
            b = b.add(b.rearrange(FOLD_2));
            a = a.add(a.rearrange(FOLD_1));
            b = b.add(b.rearrange(FOLD_1));
            y[r] = a.lane(0);
            y[s] = b.lane(0);
        }
        gemvRows(bits, words, start, v, cols, x, y, from + 2 * half, to);
    }

    /** Rows [from, to) one at a time, each exactly as in {@link #gemvSegments}'s pairs. */
    private static void gemvRows(long[] bits, int words, int[] start, float[] v, int cols, float[] x, float[] y, int from, int to) {
        int segs = cols - cols % SEG;
        for (int r = from; r < to; r++) {
            int k = start[r], wb = r * words;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int c = 0; c < segs; c += SEG) {
                long seg = bits[wb + (c >>> 6)] >>> (c & 63) & SEG_BITS;
                int k1 = k + Long.bitCount(seg & LANE_BITS);
                int k2 = k + Long.bitCount(seg & FIRST_2);
                int k3 = k + Long.bitCount(seg & FIRST_3);
                a0 = FloatVector.fromArray(F, v, k).expand(VectorMask.fromLong(F, seg & LANE_BITS))
                        .fma(FloatVector.fromArray(F, x, c), a0);
                a1 = FloatVector.fromArray(F, v, k1).expand(VectorMask.fromLong(F, seg >>> L & LANE_BITS))
                        .fma(FloatVector.fromArray(F, x, c + L), a1);
                a2 = FloatVector.fromArray(F, v, k2).expand(VectorMask.fromLong(F, seg >>> 2 * L & LANE_BITS))
                        .fma(FloatVector.fromArray(F, x, c + 2 * L), a2);
                a3 = FloatVector.fromArray(F, v, k3).expand(VectorMask.fromLong(F, seg >>> 3 * L & LANE_BITS))
                        .fma(FloatVector.fromArray(F, x, c + 3 * L), a3);
                k += Long.bitCount(seg);
            }
            // the lane sum folded in registers (FormatSpecies.FOLD_8): the order of FormatSpecies.sum, without the stores
            FloatVector a = a0.add(a1).add(a2.add(a3));
            if (FOLD_8 != null) a = a.add(a.rearrange(FOLD_8));
            if (FOLD_4 != null) a = a.add(a.rearrange(FOLD_4));
            a = a.add(a.rearrange(FOLD_2));
            a = a.add(a.rearrange(FOLD_1));
            y[r] = a.lane(0);
        }
    }

    /**
     * The columns [c, cols) after the last whole segment, values from index k (v or, when v is null,
     * q): whole chunks expanded, then bit by bit.
     */
    private static float rest(long[] bits, int wb, float[] v, byte[] q, int k, int c, int cols, float[] x, float[] lanes) {
        FloatVector a = FloatVector.zero(F);
        int full = v != null || FormatSpecies.INT8_VECTORS ? cols - cols % L : 0;
        for (; c < full; c += L) {
            long m = bits[wb + (c >>> 6)] >>> (c & 63) & LANE_BITS;
            FloatVector w = v != null ? FloatVector.fromArray(F, v, k)
                    : (FloatVector) ByteVector.fromArray(FormatSpecies.B, q, k).convertShape(B2F, F, 0);
            a = w.expand(VectorMask.fromLong(F, m)).fma(FloatVector.fromArray(F, x, c), a);
            k += Long.bitCount(m);
        }
        a.intoArray(lanes, 0);
        float s = FormatSpecies.sum(lanes);
        for (; c < cols; c++) {
            if ((bits[wb + (c >>> 6)] >>> c & 1) != 0) s = Math.fma(v != null ? v[k] : q[k], x[c], s);
            k += (int) (bits[wb + (c >>> 6)] >>> c & 1);
        }
        return s;
    }

    /** As {@link #gemv}, with int8 weights widened to floats and each row's sum times its scale. */
    static void gemvInt8(long[] bits, int words, int[] start, byte[] q, float[] scale, int cols, float[] x, float[] y,
                         int from, int to) {
        int segs = FormatSpecies.INT8_VECTORS ? cols - cols % SEG : 0;
        gemvInt8Segments(bits, words, start, q, segs, x, y, from, to);
        finishRows(bits, words, start, null, q, scale, segs, cols, x, y, from, to);
    }

    /** {@link #gemvSegments} with int8 weights widened to floats, over the first segs columns. */
    private static void gemvInt8Segments(long[] bits, int words, int[] start, byte[] q, int segs, float[] x, float[] y,
                                         int from, int to) {
        int half = (to - from) >>> 1;
        for (int i = 0; i < half; i++) {
            int r = from + i, s = r + half;
            int k = start[r], wb = r * words, m = start[s], ws = s * words;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int c = 0; c < segs; c += SEG) {
                FloatVector x0 = FloatVector.fromArray(F, x, c), x1 = FloatVector.fromArray(F, x, c + L);
                FloatVector x2 = FloatVector.fromArray(F, x, c + 2 * L), x3 = FloatVector.fromArray(F, x, c + 3 * L);
                long seg = bits[wb + (c >>> 6)] >>> (c & 63) & SEG_BITS, teg = bits[ws + (c >>> 6)] >>> (c & 63) & SEG_BITS;
                int k1 = k + Long.bitCount(seg & LANE_BITS);
                int k2 = k + Long.bitCount(seg & FIRST_2);
                int k3 = k + Long.bitCount(seg & FIRST_3);
                int m1 = m + Long.bitCount(teg & LANE_BITS);
                int m2 = m + Long.bitCount(teg & FIRST_2);
                int m3 = m + Long.bitCount(teg & FIRST_3);
                a0 = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, k).convertShape(B2F, F, 0))
                        .expand(VectorMask.fromLong(F, seg & LANE_BITS)).fma(x0, a0);
                b0 = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, m).convertShape(B2F, F, 0))
                        .expand(VectorMask.fromLong(F, teg & LANE_BITS)).fma(x0, b0);
                a1 = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, k1).convertShape(B2F, F, 0))
                        .expand(VectorMask.fromLong(F, seg >>> L & LANE_BITS)).fma(x1, a1);
                b1 = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, m1).convertShape(B2F, F, 0))
                        .expand(VectorMask.fromLong(F, teg >>> L & LANE_BITS)).fma(x1, b1);
                a2 = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, k2).convertShape(B2F, F, 0))
                        .expand(VectorMask.fromLong(F, seg >>> 2 * L & LANE_BITS)).fma(x2, a2);
                b2 = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, m2).convertShape(B2F, F, 0))
                        .expand(VectorMask.fromLong(F, teg >>> 2 * L & LANE_BITS)).fma(x2, b2);
                a3 = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, k3).convertShape(B2F, F, 0))
                        .expand(VectorMask.fromLong(F, seg >>> 3 * L & LANE_BITS)).fma(x3, a3);
                b3 = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, m3).convertShape(B2F, F, 0))
                        .expand(VectorMask.fromLong(F, teg >>> 3 * L & LANE_BITS)).fma(x3, b3);
                k += Long.bitCount(seg);
                m += Long.bitCount(teg);
            }
            FloatVector a = a0.add(a1).add(a2.add(a3)), b = b0.add(b1).add(b2.add(b3));
            if (FOLD_8 != null) {
                a = a.add(a.rearrange(FOLD_8));
                b = b.add(b.rearrange(FOLD_8));
            }
            if (FOLD_4 != null) {
                a = a.add(a.rearrange(FOLD_4));
                b = b.add(b.rearrange(FOLD_4));
            }
            a = a.add(a.rearrange(FOLD_2));
            b = b.add(b.rearrange(FOLD_2));
            a = a.add(a.rearrange(FOLD_1));
            b = b.add(b.rearrange(FOLD_1));
            y[r] = a.lane(0);
            y[s] = b.lane(0);
        }
        gemvInt8Rows(bits, words, start, q, segs, x, y, from + 2 * half, to);
    }

    private static void gemvInt8Rows(long[] bits, int words, int[] start, byte[] q, int segs, float[] x, float[] y,
                                     int from, int to) {
        for (int r = from; r < to; r++) {
            int k = start[r], wb = r * words;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int c = 0; c < segs; c += SEG) {
                long seg = bits[wb + (c >>> 6)] >>> (c & 63) & SEG_BITS;
                int k1 = k + Long.bitCount(seg & LANE_BITS);
                int k2 = k + Long.bitCount(seg & FIRST_2);
                int k3 = k + Long.bitCount(seg & FIRST_3);
                a0 = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, k).convertShape(B2F, F, 0))
                        .expand(VectorMask.fromLong(F, seg & LANE_BITS)).fma(FloatVector.fromArray(F, x, c), a0);
                a1 = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, k1).convertShape(B2F, F, 0))
                        .expand(VectorMask.fromLong(F, seg >>> L & LANE_BITS)).fma(FloatVector.fromArray(F, x, c + L), a1);
                a2 = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, k2).convertShape(B2F, F, 0))
                        .expand(VectorMask.fromLong(F, seg >>> 2 * L & LANE_BITS)).fma(FloatVector.fromArray(F, x, c + 2 * L), a2);
                a3 = ((FloatVector) ByteVector.fromArray(FormatSpecies.B, q, k3).convertShape(B2F, F, 0))
                        .expand(VectorMask.fromLong(F, seg >>> 3 * L & LANE_BITS)).fma(FloatVector.fromArray(F, x, c + 3 * L), a3);
                k += Long.bitCount(seg);
            }
            FloatVector a = a0.add(a1).add(a2.add(a3));
            if (FOLD_8 != null) a = a.add(a.rearrange(FOLD_8));
            if (FOLD_4 != null) a = a.add(a.rearrange(FOLD_4));
            a = a.add(a.rearrange(FOLD_2));
            a = a.add(a.rearrange(FOLD_1));
            y[r] = a.lane(0);
        }
    }

    /**
     * Rows [from, to) after a segments kernel left each row's lane sum in y: adds the columns from
     * segs on ({@link #rest}; +0 when there are none, as the sum of no terms always added) and
     * multiplies by the row's scale for int8.
     *
     * <p>A pass of its own so that the kernels hold no call: with {@code rest} called from the pair
     * loop, C2 inlined it there in some JVMs (stopping at its node budget) and not in others, and
     * the loop compiled into code that ran 40% slower at 10% density (4096 columns, streaming:
     * 1,060-1,150 µs against 710-800, fresh JVMs). The kernels are over 325 bytes of bytecode, so
     * C2 never inlines them into their callers either.
     */
    private static void finishRows(long[] bits, int words, int[] start, float[] v, byte[] q, float[] scale, int segs, int cols,
                                   float[] x, float[] y, int from, int to) {
        float[] lanes = Scratch.get().lanes;
        for (int r = from; r < to; r++) {
            float s = y[r];
            if (segs < cols) {
                int wb = r * words, k = start[r];
                for (int w = 0; w < segs >>> 6; w++) k += Long.bitCount(bits[wb + w]);
                if ((segs & 63) != 0) k += Long.bitCount(bits[wb + (segs >>> 6)] & ((1L << (segs & 63)) - 1));
                s += rest(bits, wb, v, q, k, segs, cols, x, lanes);
            } else {
                s += 0f;
            }
            y[r] = scale != null ? s * scale[r] : s;
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

    /**
     * Rows [from, to) of Y = W·X by {@link SparseRowKernels#rows}: a block of rows' set bits decode to
     * column indices in scratch; fp32 values are read in place, int8 ones widened to floats.
     */
    static void gemm(long[] bits, int words, int[] start, float[] v, byte[] q, float[] scale, int maxRow, int cols,
                     MemorySegment x, int batch, float[] y, int from, int to) {
        int block = SparseRowKernels.BLOCK_ROWS;
        int size = (int) Math.min((long) block * maxRow, start[start.length - 1]);
        Scratch s = Scratch.get();
        // L ints of slack: the compressing decode stores whole vectors.
        int[] c = s.ints(size + L);
        float[] w = q != null ? s.floats(size) : null;
        int[] rowStart = new int[block + 1];
        IntVector iota = IntVector.zero(FormatSpecies.I).addIndex(1);
        int full = cols - cols % L;
        for (int r0 = from; r0 < to; r0 += block) {
            int n = Math.min(block, to - r0), base = start[r0], k = 0;
            for (int i = 0; i < n; i++) {
                rowStart[i] = k;
                int wb = (r0 + i) * words, col = 0;
                // L columns at a time: their indices, compressed to the set bits, stored at k.
                for (; col < full; col += L) {
                    long m = bits[wb + (col >>> 6)] >>> (col & 63) & LANE_BITS;
                    iota.add(col).compress(VectorMask.fromLong(FormatSpecies.I, m)).intoArray(c, k);
                    k += Long.bitCount(m);
                }
                for (; col < cols; col++) {
                    if ((bits[wb + (col >>> 6)] >>> col & 1) != 0) c[k++] = col;
                }
            }
            rowStart[n] = k;
            if (q != null) {
                for (int j = 0; j < k; j++) w[j] = q[base + j];
            }
            SparseRowKernels.rows(n, rowStart, c, q != null ? w : v, q != null ? 0 : base, scale, r0, x, batch, y);
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
