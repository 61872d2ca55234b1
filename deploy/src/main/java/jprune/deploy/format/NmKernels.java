package jprune.deploy.format;

import static jprune.deploy.format.DenseKernels.B2F;
import static jprune.deploy.format.FormatSpecies.B;
import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.I;
import static jprune.deploy.format.FormatSpecies.FOLD_1;
import static jprune.deploy.format.FormatSpecies.FOLD_2;
import static jprune.deploy.format.FormatSpecies.FOLD_4;
import static jprune.deploy.format.FormatSpecies.FOLD_8;
import static jprune.deploy.format.FormatSpecies.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * N:M products, each next to its scalar reference. Positions are packed 4 bits each
 * ({@link NmMatrix}).
 *
 * <p>Batch 1 without a gather: when N divides L and M ≤ 2N, L consecutive slots belong to L/N whole
 * groups spanning at most 2L columns (a "window": 32 columns for 2:4, 4:8 or 1:2 with 16 lanes).
 * The window's x is two contiguous vector loads. Its L positions are L/2 bytes: a byte shuffle gives
 * each lane its byte, widening and a per-lane shift (0 or 4) its nibble, and adding the lane's group
 * offset its column in the window; one two-table permute
 * ({@link IntVector#selectFrom(jdk.incubator.vector.Vector, jdk.incubator.vector.Vector)}) then
 * picks x, and one FMA with L contiguous values accumulates. Four rows from the chunk's quarters go
 * in lockstep: batch 1 is bound by how many misses are in flight, and on 4096×4096 2:4 (JMH, 2
 * threads, weights cycled past the LLC) one row at a time made 490-509 products/s, two rows 586-598,
 * four rows 650 (dense: 396). Other N:M, and the columns
 * after the last whole window, use the scalar loop. The steps are written out in each loop: no
 * helper takes or returns a vector (see FormatSpecies.sum).
 */
final class NmKernels {
    private NmKernels() {}

    /** Lane j ← byte j/2: each lane gets the byte holding its position. */
    private static final VectorShuffle<Byte> PAIRS = B != null ? VectorShuffle.fromOp(B, j -> j / 2) : null;
    private static final VectorOperators.Conversion<Byte, Integer> ZB2I = VectorOperators.ZERO_EXTEND_B2I;

    /** Whether n:m has the permute path: whole groups per vector of slots, their columns within two vectors. */
    static boolean windowed(int n, int m) {
        return FormatSpecies.INT8_VECTORS && L % n == 0 && L / n * m <= 2 * L;
    }

    /** Windows of L slots each row can take while both x loads stay inside the row's columns. */
    private static int windows(int n, int m, int cols) {
        if (!windowed(n, m) || cols < 2 * L) return 0;
        return (cols - 2 * L) / (L / n * m) + 1;
    }

    /** Lane j's group offset within a window: (j / n) · m. */
    private static int[] groupOffsets(int n, int m) {
        int[] off = new int[L];
        for (int j = 0; j < L; j++) off[j] = j / n * m;
        return off;
    }

    /** Lane j's nibble: low (shift 0) for even j, high (shift 4) for odd. */
    private static int[] nibbleShifts() {
        int[] sh = new int[L];
        for (int j = 0; j < L; j++) sh[j] = (j & 1) * 4;
        return sh;
    }

    static void gemv(float[] v, byte[] pos, int n, int m, int cols, int slotsPerRow, float[] x, float[] y, int from, int to) {
        float[] lanes = Scratch.get().lanes;
        int windows = windows(n, m, cols), width = L / n * m, bpr = (slotsPerRow + 1) / 2;
        IntVector offsets = IntVector.fromArray(I, groupOffsets(n, m), 0), shifts = IntVector.fromArray(I, nibbleShifts(), 0);
        // Four rows from the chunk's quarters in lockstep: eight streams in flight.
        int quarter = (to - from) >>> 2;
        for (int i = 0; i < quarter; i++) {
            int r0 = from + i, r1 = r0 + quarter, r2 = r1 + quarter, r3 = r2 + quarter;
            int s0 = r0 * slotsPerRow, s1 = r1 * slotsPerRow, s2 = r2 * slotsPerRow, s3 = r3 * slotsPerRow;
            int p0 = r0 * bpr, p1 = r1 * bpr, p2 = r2 * bpr, p3 = r3 * bpr, c0 = 0;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int w = 0, o = 0, po = 0; w < windows; w++, o += L, po += L / 2, c0 += width) {
                IntVector lo = FloatVector.fromArray(F, x, c0).reinterpretAsInts();
                IntVector hi = FloatVector.fromArray(F, x, c0 + L).reinterpretAsInts();
                IntVector t0 = ((IntVector) ByteVector.fromArray(B, pos, p0 + po).rearrange(PAIRS).convertShape(ZB2I, I, 0))
                        .lanewise(VectorOperators.LSHR, shifts).and(15).add(offsets);
                IntVector t1 = ((IntVector) ByteVector.fromArray(B, pos, p1 + po).rearrange(PAIRS).convertShape(ZB2I, I, 0))
                        .lanewise(VectorOperators.LSHR, shifts).and(15).add(offsets);
                IntVector t2 = ((IntVector) ByteVector.fromArray(B, pos, p2 + po).rearrange(PAIRS).convertShape(ZB2I, I, 0))
                        .lanewise(VectorOperators.LSHR, shifts).and(15).add(offsets);
                IntVector t3 = ((IntVector) ByteVector.fromArray(B, pos, p3 + po).rearrange(PAIRS).convertShape(ZB2I, I, 0))
                        .lanewise(VectorOperators.LSHR, shifts).and(15).add(offsets);
                a0 = FloatVector.fromArray(F, v, s0 + o).fma(t0.selectFrom(lo, hi).reinterpretAsFloats(), a0);
                a1 = FloatVector.fromArray(F, v, s1 + o).fma(t1.selectFrom(lo, hi).reinterpretAsFloats(), a1);
                a2 = FloatVector.fromArray(F, v, s2 + o).fma(t2.selectFrom(lo, hi).reinterpretAsFloats(), a2);
                a3 = FloatVector.fromArray(F, v, s3 + o).fma(t3.selectFrom(lo, hi).reinterpretAsFloats(), a3);
            }
            // the lane sums folded in registers (FormatSpecies.FOLD_8): the order of FormatSpecies.sum, without the stores
            if (FOLD_8 != null) {
                a0 = a0.add(a0.rearrange(FOLD_8));
                a1 = a1.add(a1.rearrange(FOLD_8));
                a2 = a2.add(a2.rearrange(FOLD_8));
                a3 = a3.add(a3.rearrange(FOLD_8));
            }
            if (FOLD_4 != null) {
                a0 = a0.add(a0.rearrange(FOLD_4));
                a1 = a1.add(a1.rearrange(FOLD_4));
                a2 = a2.add(a2.rearrange(FOLD_4));
                a3 = a3.add(a3.rearrange(FOLD_4));
            }
            a0 = a0.add(a0.rearrange(FOLD_2));
            a1 = a1.add(a1.rearrange(FOLD_2));
            a2 = a2.add(a2.rearrange(FOLD_2));
            a3 = a3.add(a3.rearrange(FOLD_2));
            a0 = a0.add(a0.rearrange(FOLD_1));
            a1 = a1.add(a1.rearrange(FOLD_1));
            a2 = a2.add(a2.rearrange(FOLD_1));
            a3 = a3.add(a3.rearrange(FOLD_1));
            y[r0] = a0.lane(0) + rest(v, null, pos, bpr, r0, windows * L, n, m, cols, slotsPerRow, c0, x);
            y[r1] = a1.lane(0) + rest(v, null, pos, bpr, r1, windows * L, n, m, cols, slotsPerRow, c0, x);
            y[r2] = a2.lane(0) + rest(v, null, pos, bpr, r2, windows * L, n, m, cols, slotsPerRow, c0, x);
            y[r3] = a3.lane(0) + rest(v, null, pos, bpr, r3, windows * L, n, m, cols, slotsPerRow, c0, x);
        }
        for (int r = from + 4 * quarter; r < to; r++) {
            int s = r * slotsPerRow, p = r * bpr, c0 = 0;
            FloatVector a = FloatVector.zero(F);
            for (int w = 0; w < windows; w++, s += L, p += L / 2, c0 += width) {
                IntVector at = ((IntVector) ByteVector.fromArray(B, pos, p).rearrange(PAIRS).convertShape(ZB2I, I, 0))
                        .lanewise(VectorOperators.LSHR, shifts).and(15).add(offsets);
                a = FloatVector.fromArray(F, v, s).fma(at.selectFrom(FloatVector.fromArray(F, x, c0).reinterpretAsInts(),
                        FloatVector.fromArray(F, x, c0 + L).reinterpretAsInts()).reinterpretAsFloats(), a);
            }
            a.intoArray(lanes, 0);
            y[r] = FormatSpecies.sum(lanes) + rest(v, null, pos, bpr, r, windows * L, n, m, cols, slotsPerRow, c0, x);
        }
    }

    /** Row r's groups from column c0 on (its slots from j), values in v or, when v is null, q; one by one. */
    private static float rest(float[] v, byte[] q, byte[] pos, int bpr, int r, int j, int n, int m, int cols,
                              int slotsPerRow, int c0, float[] x) {
        float sum = 0;
        for (int g = c0; g < cols; g += m) {
            for (int e = j + Math.min(n, cols - g); j < e; j++) {
                int s = r * slotsPerRow + j;
                sum = Math.fma(v != null ? v[s] : q[s], x[g + NmMatrix.position(pos, bpr, r, j)], sum);
            }
        }
        return sum;
    }

    /**
     * {@link #gemv} with int8 values: each window's L bytes widen to floats and the row's sum is
     * scaled once at the end. Four rows from the chunk's quarters in lockstep, as in {@link #gemv}:
     * one row at a time is bound by the latency of its single FMA chain, not by bytes (measured on
     * GPT-2 124M's 2:4 projections, 2 threads: 186 decoded tokens/s one row at a time).
     */
    static void gemvInt8(byte[] q, float[] scale, byte[] pos, int n, int m, int cols, int slotsPerRow, float[] x, float[] y,
                         int from, int to) {
        float[] lanes = Scratch.get().lanes;
        int windows = windows(n, m, cols), width = L / n * m, bpr = (slotsPerRow + 1) / 2;
        IntVector offsets = IntVector.fromArray(I, groupOffsets(n, m), 0), shifts = IntVector.fromArray(I, nibbleShifts(), 0);
        int quarter = (to - from) >>> 2;
        for (int i = 0; i < quarter; i++) {
            int r0 = from + i, r1 = r0 + quarter, r2 = r1 + quarter, r3 = r2 + quarter;
            int s0 = r0 * slotsPerRow, s1 = r1 * slotsPerRow, s2 = r2 * slotsPerRow, s3 = r3 * slotsPerRow;
            int p0 = r0 * bpr, p1 = r1 * bpr, p2 = r2 * bpr, p3 = r3 * bpr, c0 = 0;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int w = 0, o = 0, po = 0; w < windows; w++, o += L, po += L / 2, c0 += width) {
                IntVector lo = FloatVector.fromArray(F, x, c0).reinterpretAsInts();
                IntVector hi = FloatVector.fromArray(F, x, c0 + L).reinterpretAsInts();
                IntVector t0 = ((IntVector) ByteVector.fromArray(B, pos, p0 + po).rearrange(PAIRS).convertShape(ZB2I, I, 0))
                        .lanewise(VectorOperators.LSHR, shifts).and(15).add(offsets);
                IntVector t1 = ((IntVector) ByteVector.fromArray(B, pos, p1 + po).rearrange(PAIRS).convertShape(ZB2I, I, 0))
                        .lanewise(VectorOperators.LSHR, shifts).and(15).add(offsets);
                IntVector t2 = ((IntVector) ByteVector.fromArray(B, pos, p2 + po).rearrange(PAIRS).convertShape(ZB2I, I, 0))
                        .lanewise(VectorOperators.LSHR, shifts).and(15).add(offsets);
                IntVector t3 = ((IntVector) ByteVector.fromArray(B, pos, p3 + po).rearrange(PAIRS).convertShape(ZB2I, I, 0))
                        .lanewise(VectorOperators.LSHR, shifts).and(15).add(offsets);
                a0 = ((FloatVector) ByteVector.fromArray(B, q, s0 + o).convertShape(B2F, F, 0)).fma(t0.selectFrom(lo, hi).reinterpretAsFloats(), a0);
                a1 = ((FloatVector) ByteVector.fromArray(B, q, s1 + o).convertShape(B2F, F, 0)).fma(t1.selectFrom(lo, hi).reinterpretAsFloats(), a1);
                a2 = ((FloatVector) ByteVector.fromArray(B, q, s2 + o).convertShape(B2F, F, 0)).fma(t2.selectFrom(lo, hi).reinterpretAsFloats(), a2);
                a3 = ((FloatVector) ByteVector.fromArray(B, q, s3 + o).convertShape(B2F, F, 0)).fma(t3.selectFrom(lo, hi).reinterpretAsFloats(), a3);
            }
            // the lane sums folded in registers (FormatSpecies.FOLD_8): the order of FormatSpecies.sum, without the stores
            if (FOLD_8 != null) {
                a0 = a0.add(a0.rearrange(FOLD_8));
                a1 = a1.add(a1.rearrange(FOLD_8));
                a2 = a2.add(a2.rearrange(FOLD_8));
                a3 = a3.add(a3.rearrange(FOLD_8));
            }
            if (FOLD_4 != null) {
                a0 = a0.add(a0.rearrange(FOLD_4));
                a1 = a1.add(a1.rearrange(FOLD_4));
                a2 = a2.add(a2.rearrange(FOLD_4));
                a3 = a3.add(a3.rearrange(FOLD_4));
            }
            a0 = a0.add(a0.rearrange(FOLD_2));
            a1 = a1.add(a1.rearrange(FOLD_2));
            a2 = a2.add(a2.rearrange(FOLD_2));
            a3 = a3.add(a3.rearrange(FOLD_2));
            a0 = a0.add(a0.rearrange(FOLD_1));
            a1 = a1.add(a1.rearrange(FOLD_1));
            a2 = a2.add(a2.rearrange(FOLD_1));
            a3 = a3.add(a3.rearrange(FOLD_1));
            y[r0] = (a0.lane(0) + rest(null, q, pos, bpr, r0, windows * L, n, m, cols, slotsPerRow, c0, x)) * scale[r0];
            y[r1] = (a1.lane(0) + rest(null, q, pos, bpr, r1, windows * L, n, m, cols, slotsPerRow, c0, x)) * scale[r1];
            y[r2] = (a2.lane(0) + rest(null, q, pos, bpr, r2, windows * L, n, m, cols, slotsPerRow, c0, x)) * scale[r2];
            y[r3] = (a3.lane(0) + rest(null, q, pos, bpr, r3, windows * L, n, m, cols, slotsPerRow, c0, x)) * scale[r3];
        }
        for (int r = from + 4 * quarter; r < to; r++) {
            int s = r * slotsPerRow, p = r * bpr, c0 = 0;
            FloatVector a = FloatVector.zero(F);
            for (int w = 0; w < windows; w++, s += L, p += L / 2, c0 += width) {
                IntVector at = ((IntVector) ByteVector.fromArray(B, pos, p).rearrange(PAIRS).convertShape(ZB2I, I, 0))
                        .lanewise(VectorOperators.LSHR, shifts).and(15).add(offsets);
                a = ((FloatVector) ByteVector.fromArray(B, q, s).convertShape(B2F, F, 0))
                        .fma(at.selectFrom(FloatVector.fromArray(F, x, c0).reinterpretAsInts(),
                                FloatVector.fromArray(F, x, c0 + L).reinterpretAsInts()).reinterpretAsFloats(), a);
            }
            a.intoArray(lanes, 0);
            y[r] = (FormatSpecies.sum(lanes) + rest(null, q, pos, bpr, r, windows * L, n, m, cols, slotsPerRow, c0, x)) * scale[r];
        }
    }

    /** Reference for both matrix-vector products: w holds the slot weights as floats (int8 widened), scale is null for fp32. */
    static void gemvScalar(float[] w, float[] scale, byte[] pos, int n, int m, int cols, int slotsPerRow, float[] x, float[] y,
                           int from, int to) {
        int bpr = (slotsPerRow + 1) / 2;
        for (int r = from; r < to; r++) {
            float sum = 0;
            int j = 0;
            for (int g = 0; g < cols; g += m) {
                for (int e = j + Math.min(n, cols - g); j < e; j++) {
                    sum += w[r * slotsPerRow + j] * x[g + NmMatrix.position(pos, bpr, r, j)];
                }
            }
            y[r] = scale == null ? sum : sum * scale[r];
        }
    }

    /**
     * Rows [from, to) of Y = W·X by {@link SparseRowKernels#rows}: a block of rows' slots decode to
     * column indices in scratch (slot j's group base plus its nibble); fp32 values are read in place,
     * int8 ones widened to floats.
     */
    static void gemm(float[] v, byte[] q, float[] scale, byte[] pos, int n, int m, int cols, int slotsPerRow,
                     MemorySegment x, int batch, float[] y, int from, int to) {
        int block = SparseRowKernels.BLOCK_ROWS, bpr = (slotsPerRow + 1) / 2;
        Scratch sc = Scratch.get();
        int[] c = sc.ints(block * slotsPerRow);
        float[] w = q != null ? sc.floats(block * slotsPerRow) : null;
        int[] groupBase = new int[slotsPerRow + 1];
        for (int j = 0; j < slotsPerRow; j++) groupBase[j] = j / n * m;
        int[] start = new int[block + 1];
        for (int r0 = from; r0 < to; r0 += block) {
            int rows = Math.min(block, to - r0), base = r0 * slotsPerRow, count = rows * slotsPerRow;
            for (int i = 0; i < rows; i++) {
                int k = i * slotsPerRow, p = (r0 + i) * bpr;
                start[i] = k;
                for (int j = 0; j < slotsPerRow; j += 2, p++) {
                    int packed = pos[p];
                    c[k + j] = groupBase[j] + (packed & 15);
                    if (j + 1 < slotsPerRow) c[k + j + 1] = groupBase[j + 1] + (packed >> 4 & 15);
                }
            }
            start[rows] = count;
            if (q != null) {
                for (int k = 0; k < count; k++) w[k] = q[base + k];
            }
            SparseRowKernels.rows(rows, start, c, q != null ? w : v, q != null ? 0 : base, scale, r0, x, batch, y);
        }
    }

    /** Reference for both batched products (weights and scales as in {@link #gemvScalar}). */
    static void gemmScalar(float[] w, float[] scale, byte[] pos, int n, int m, int cols, int slotsPerRow, float[] x, int batch,
                           float[] y, int from, int to) {
        float[] col = new float[cols], ys = new float[to];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < cols; c++) col[c] = x[c * batch + b];
            gemvScalar(w, scale, pos, n, m, cols, slotsPerRow, col, ys, from, to);
            for (int r = from; r < to; r++) y[r * batch + b] = ys[r];
        }
    }
}
