package jprune.deploy.format;

import static jprune.deploy.format.FormatSpecies.B;
import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.I;
import static jprune.deploy.format.FormatSpecies.L;

import jdk.incubator.vector.ByteVector;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * N:M products, each next to its scalar reference.
 *
 * <p>Batch 1 without a gather: when N divides L and M ≤ 2N, L consecutive slots belong to L/N whole
 * groups spanning at most 2L columns (a "window": 32 columns for 2:4, 4:8 or 1:2 with 16 lanes).
 * The window's x is two contiguous vector loads; the slots' byte positions widen to ints, gain
 * their group's offset and pick x out of those two vectors with one two-table permute
 * ({@link IntVector#selectFrom(jdk.incubator.vector.Vector, jdk.incubator.vector.Vector)}), then
 * one FMA with L contiguous values. Other N:M, and the columns after the last whole window, use the
 * scalar loop.
 */
final class NmKernels {
    private NmKernels() {}

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
    private static IntVector groupOffsets(int n, int m) {
        int[] off = new int[L];
        for (int j = 0; j < L; j++) off[j] = j / n * m;
        return IntVector.fromArray(I, off, 0);
    }

    /** x at the L slots from s of a window starting at column c0. */
    private static FloatVector pick(byte[] pos, int s, IntVector offsets, float[] x, int c0) {
        IntVector at = ((IntVector) ByteVector.fromArray(B, pos, s).convertShape(VectorOperators.B2I, I, 0)).add(offsets);
        IntVector lo = FloatVector.fromArray(F, x, c0).reinterpretAsInts();
        IntVector hi = FloatVector.fromArray(F, x, c0 + L).reinterpretAsInts();
        return at.selectFrom(lo, hi).reinterpretAsFloats();
    }

    static void gemv(float[] v, byte[] pos, int n, int m, int cols, int slotsPerRow, float[] x, float[] y, int from, int to) {
        int windows = windows(n, m, cols), width = L / n * m;
        IntVector offsets = windows > 0 ? groupOffsets(n, m) : null;
        for (int r = from; r < to; r++) {
            int s = r * slotsPerRow, c0 = 0, w = 0;
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            for (; w + 1 < windows; w += 2, s += 2 * L, c0 += 2 * width) {
                a0 = FloatVector.fromArray(F, v, s).fma(pick(pos, s, offsets, x, c0), a0);
                a1 = FloatVector.fromArray(F, v, s + L).fma(pick(pos, s + L, offsets, x, c0 + width), a1);
            }
            if (w < windows) {
                a0 = FloatVector.fromArray(F, v, s).fma(pick(pos, s, offsets, x, c0), a0);
                s += L;
                c0 += width;
            }
            float sum = FormatSpecies.sum(a0.add(a1));
            for (int g = c0; g < cols; g += m) {
                for (int j = 0, slots = Math.min(n, cols - g); j < slots; j++, s++) sum = Math.fma(v[s], x[g + pos[s]], sum);
            }
            y[r] = sum;
        }
    }

    static void gemvInt8(byte[] q, float[] scale, byte[] pos, int n, int m, int cols, int slotsPerRow, float[] x, float[] y,
                         int from, int to) {
        int windows = windows(n, m, cols), width = L / n * m;
        IntVector offsets = windows > 0 ? groupOffsets(n, m) : null;
        for (int r = from; r < to; r++) {
            int s = r * slotsPerRow, c0 = 0, w = 0;
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            for (; w + 1 < windows; w += 2, s += 2 * L, c0 += 2 * width) {
                a0 = DenseKernels.widen(q, s).fma(pick(pos, s, offsets, x, c0), a0);
                a1 = DenseKernels.widen(q, s + L).fma(pick(pos, s + L, offsets, x, c0 + width), a1);
            }
            if (w < windows) {
                a0 = DenseKernels.widen(q, s).fma(pick(pos, s, offsets, x, c0), a0);
                s += L;
                c0 += width;
            }
            float sum = FormatSpecies.sum(a0.add(a1));
            for (int g = c0; g < cols; g += m) {
                for (int j = 0, slots = Math.min(n, cols - g); j < slots; j++, s++) sum = Math.fma(q[s], x[g + pos[s]], sum);
            }
            y[r] = sum * scale[r];
        }
    }

    /** Reference for both matrix-vector products: w holds the slot weights as floats (int8 widened), scale is null for fp32. */
    static void gemvScalar(float[] w, float[] scale, byte[] pos, int n, int m, int cols, int slotsPerRow, float[] x, float[] y,
                           int from, int to) {
        for (int r = from; r < to; r++) {
            float sum = 0;
            int s = r * slotsPerRow;
            for (int g = 0; g < cols; g += m) {
                for (int j = 0; j < Math.min(n, cols - g); j++, s++) sum += w[s] * x[g + pos[s]];
            }
            y[r] = scale == null ? sum : sum * scale[r];
        }
    }

    /**
     * Rows [from, to) of Y = W·X by {@link SparseRowKernels#rows}: a block of rows' slots decode to
     * column indices in scratch; fp32 values are read in place, int8 ones widened to floats.
     */
    static void gemm(float[] v, byte[] q, float[] scale, byte[] pos, int n, int m, int cols, int slotsPerRow,
                     MemorySegment x, int batch, float[] y, int from, int to) {
        int block = SparseRowKernels.BLOCK_ROWS;
        Scratch sc = Scratch.get();
        int[] c = sc.ints(block * slotsPerRow);
        float[] w = q != null ? sc.floats(block * slotsPerRow) : null;
        // Slot j of any row lies in the group starting at column (j / n)·m; with these bases the
        // decode is a byte-widening add the JIT vectorizes instead of a loop over tiny groups.
        int[] groupBase = new int[slotsPerRow];
        for (int j = 0; j < slotsPerRow; j++) groupBase[j] = j / n * m;
        int[] start = new int[block + 1];
        for (int r0 = from; r0 < to; r0 += block) {
            int rows = Math.min(block, to - r0), base = r0 * slotsPerRow, count = rows * slotsPerRow;
            for (int i = 0; i < rows; i++) {
                start[i] = i * slotsPerRow;
                for (int j = 0, k = i * slotsPerRow; j < slotsPerRow; j++, k++) c[k] = groupBase[j] + pos[base + k];
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
