package jprune.deploy.format;

import static jprune.deploy.format.DenseKernels.B2F;
import static jprune.deploy.format.FormatSpecies.B;
import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.I;
import static jprune.deploy.format.FormatSpecies.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * CSR products, each next to its scalar reference.
 *
 * <p>Batch 1 gathers x: L column indices are widened to ints and one vector gather fetches x at
 * them, then one FMA with L contiguous values. Two rows from the two halves of the chunk advance in
 * lockstep, so four streams (values and indices of each) are in flight instead of two. Measured on
 * 4096×4096 at 10% density, 2 threads, matrices cycled out of the LLC (Xeon, AVX-512, JDK 25), while
 * another process shared the machine: scalar loop with 4 accumulators 2.53 ms, gather one row at a
 * time 0.99-1.06 ms, two rows in lockstep 0.86-0.88 ms, four rows 1.7 ms (spills), whole row's
 * indices widened first 1.17 ms; masked gathers for the row tails were 2-4× slower than finishing
 * the tail in scalar code; reading values and indices without any gather 0.68 ms. On the quiet
 * machine the final kernel takes 0.55-0.57 ms against dense's 2.5 ms.
 */
final class CsrKernels {
    private CsrKernels() {}

    /** Shorts with as many lanes as floats: one 16-bit index per float lane. */
    static final VectorSpecies<Short> S =
            ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, L * 16)));
    private static final VectorOperators.Conversion<Short, Integer> S2I = VectorOperators.ZERO_EXTEND_S2I;

    /*
     * The gather step, written out in every loop rather than in a helper (see FormatSpecies.sum):
     * L 16-bit indices are widened into idx (a gather takes its map from an int[]), x is gathered at
     * them and multiplied into the accumulator with L contiguous values. Rows' leftovers after the
     * lockstep pair go to rowSum, whose signature is scalar so it costs a call at worst.
     */

    static void gemv(int[] rp, char[] ci, float[] v, float[] x, float[] y, int from, int to) {
        Scratch scratch = Scratch.get();
        int[] idx = scratch.index;
        float[] lanes = scratch.lanes;
        int half = (to - from) >>> 1;
        for (int i = 0; i < half; i++) {
            int ra = from + i, rb = ra + half;
            int ka = rp[ra], ea = rp[ra + 1], kb = rp[rb], eb = rp[rb + 1];
            FloatVector a = FloatVector.zero(F), b = a;
            for (; ka + L <= ea && kb + L <= eb; ka += L, kb += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, ka).convertShape(S2I, I, 0)).intoArray(idx, 0);
                ((IntVector) ShortVector.fromCharArray(S, ci, kb).convertShape(S2I, I, 0)).intoArray(idx, L);
                a = FloatVector.fromArray(F, x, 0, idx, 0).fma(FloatVector.fromArray(F, v, ka), a);
                b = FloatVector.fromArray(F, x, 0, idx, L).fma(FloatVector.fromArray(F, v, kb), b);
            }
            a.intoArray(lanes, 0);
            float sa = FormatSpecies.sum(lanes);
            b.intoArray(lanes, 0);
            float sb = FormatSpecies.sum(lanes);
            y[ra] = sa + rowSum(ci, v, x, ka, ea, idx, lanes);
            y[rb] = sb + rowSum(ci, v, x, kb, eb, idx, lanes);
        }
        for (int r = from + 2 * half; r < to; r++) y[r] = rowSum(ci, v, x, rp[r], rp[r + 1], idx, lanes);
    }

    /** Σ v[k]·x[ci[k]] over [k, end): whole vectors gathered, then a scalar tail. */
    private static float rowSum(char[] ci, float[] v, float[] x, int k, int end, int[] idx, float[] lanes) {
        FloatVector a = FloatVector.zero(F);
        for (; k + L <= end; k += L) {
            ((IntVector) ShortVector.fromCharArray(S, ci, k).convertShape(S2I, I, 0)).intoArray(idx, 0);
            a = FloatVector.fromArray(F, x, 0, idx, 0).fma(FloatVector.fromArray(F, v, k), a);
        }
        a.intoArray(lanes, 0);
        float s = FormatSpecies.sum(lanes);
        for (; k < end; k++) s = Math.fma(v[k], x[ci[k]], s);
        return s;
    }

    static void gemvInt8(int[] rp, char[] ci, byte[] q, float[] scale, float[] x, float[] y, int from, int to) {
        if (!FormatSpecies.INT8_VECTORS) {
            for (int r = from; r < to; r++) {
                float s = 0;
                for (int k = rp[r]; k < rp[r + 1]; k++) s = Math.fma(q[k], x[ci[k]], s);
                y[r] = s * scale[r];
            }
            return;
        }
        Scratch scratch = Scratch.get();
        int[] idx = scratch.index;
        float[] lanes = scratch.lanes;
        int half = (to - from) >>> 1;
        for (int i = 0; i < half; i++) {
            int ra = from + i, rb = ra + half;
            int ka = rp[ra], ea = rp[ra + 1], kb = rp[rb], eb = rp[rb + 1];
            FloatVector a = FloatVector.zero(F), b = a;
            for (; ka + L <= ea && kb + L <= eb; ka += L, kb += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, ka).convertShape(S2I, I, 0)).intoArray(idx, 0);
                ((IntVector) ShortVector.fromCharArray(S, ci, kb).convertShape(S2I, I, 0)).intoArray(idx, L);
                a = FloatVector.fromArray(F, x, 0, idx, 0).fma((FloatVector) ByteVector.fromArray(B, q, ka).convertShape(B2F, F, 0), a);
                b = FloatVector.fromArray(F, x, 0, idx, L).fma((FloatVector) ByteVector.fromArray(B, q, kb).convertShape(B2F, F, 0), b);
            }
            a.intoArray(lanes, 0);
            float sa = FormatSpecies.sum(lanes);
            b.intoArray(lanes, 0);
            float sb = FormatSpecies.sum(lanes);
            y[ra] = (sa + rowSum(ci, q, x, ka, ea, idx, lanes)) * scale[ra];
            y[rb] = (sb + rowSum(ci, q, x, kb, eb, idx, lanes)) * scale[rb];
        }
        for (int r = from + 2 * half; r < to; r++) y[r] = rowSum(ci, q, x, rp[r], rp[r + 1], idx, lanes) * scale[r];
    }

    /** Σ q[k]·x[ci[k]] over [k, end). */
    private static float rowSum(char[] ci, byte[] q, float[] x, int k, int end, int[] idx, float[] lanes) {
        FloatVector a = FloatVector.zero(F);
        for (; k + L <= end; k += L) {
            ((IntVector) ShortVector.fromCharArray(S, ci, k).convertShape(S2I, I, 0)).intoArray(idx, 0);
            a = FloatVector.fromArray(F, x, 0, idx, 0).fma((FloatVector) ByteVector.fromArray(B, q, k).convertShape(B2F, F, 0), a);
        }
        a.intoArray(lanes, 0);
        float s = FormatSpecies.sum(lanes);
        for (; k < end; k++) s = Math.fma(q[k], x[ci[k]], s);
        return s;
    }

    /**
     * 32-bit indices (more than 65536 columns): they serve as the gather's index map directly. One
     * row at a time; such layers (embeddings, vocabulary heads) are rare enough not to need the
     * lockstep pair.
     */
    static void gemv(int[] rp, int[] ci, float[] v, byte[] q, float[] scale, float[] x, float[] y, int from, int to) {
        float[] lanes = Scratch.get().lanes;
        boolean int8 = q != null;
        for (int r = from; r < to; r++) {
            int k = rp[r], e = rp[r + 1];
            FloatVector a = FloatVector.zero(F);
            if (!int8) {
                for (; k + L <= e; k += L) a = FloatVector.fromArray(F, x, 0, ci, k).fma(FloatVector.fromArray(F, v, k), a);
            } else if (FormatSpecies.INT8_VECTORS) {
                for (; k + L <= e; k += L) {
                    a = FloatVector.fromArray(F, x, 0, ci, k).fma((FloatVector) ByteVector.fromArray(B, q, k).convertShape(B2F, F, 0), a);
                }
            }
            a.intoArray(lanes, 0);
            float s = FormatSpecies.sum(lanes);
            for (; k < e; k++) s = Math.fma(int8 ? q[k] : v[k], x[ci[k]], s);
            y[r] = int8 ? s * scale[r] : s;
        }
    }

    /**
     * The reference for every CSR matrix-vector product: one accumulator, nonzeros in order. Takes
     * int indices and float weights (int8 weights widened) with the int8 scales or null.
     */
    static void gemvScalar(int[] rp, int[] ci, float[] w, float[] scale, float[] x, float[] y, int from, int to) {
        for (int r = from; r < to; r++) {
            float s = 0;
            for (int k = rp[r]; k < rp[r + 1]; k++) s += w[k] * x[ci[k]];
            y[r] = scale == null ? s : s * scale[r];
        }
    }

    /**
     * Rows [from, to) of Y = W·X by {@link SparseRowKernels#rows}. 32-bit indices and fp32 values are
     * read in place; 16-bit indices are widened (a loop the JIT vectorizes) and int8 weights widened
     * to floats, a block of rows at a time, in this thread's scratch.
     */
    static void gemm(int[] rp, char[] narrow, int[] wide, float[] v, byte[] q, float[] scale, int maxRow,
                     MemorySegment x, int batch, float[] y, int from, int to) {
        int block = SparseRowKernels.BLOCK_ROWS;
        int size = (int) Math.min((long) block * maxRow, rp[rp.length - 1]);
        Scratch s = Scratch.get();
        int[] c = narrow != null ? s.ints(size) : null;
        float[] w = q != null ? s.floats(size) : null;
        int[] start = new int[block + 1];
        for (int r0 = from; r0 < to; r0 += block) {
            int n = Math.min(block, to - r0), base = rp[r0], count = rp[r0 + n] - base;
            for (int i = 0; i <= n; i++) start[i] = rp[r0 + i] - base;
            if (narrow != null) {
                for (int k = 0; k < count; k++) c[k] = narrow[base + k];
            }
            if (q != null) {
                for (int k = 0; k < count; k++) w[k] = q[base + k];
            }
            if (narrow == null) {
                // Columns in place: shift the starts instead of copying.
                for (int i = 0; i <= n; i++) start[i] += base;
                SparseRowKernels.rows(n, start, wide, q != null ? w : v, q != null ? -base : 0, scale, r0, x, batch, y);
            } else {
                SparseRowKernels.rows(n, start, c, q != null ? w : v, q != null ? 0 : base, scale, r0, x, batch, y);
            }
        }
    }

    /** Reference for every CSR batched product (same inputs as {@link #gemvScalar}). */
    static void gemmScalar(int[] rp, int[] ci, float[] w, float[] scale, float[] x, int batch, float[] y, int from, int to) {
        int[] start = new int[to - from + 1];
        for (int r = from; r <= to; r++) start[r - from] = rp[r];
        // The reference reads the row pointers as offsets into ci and w directly.
        SparseRowKernels.rowsScalar(to - from, start, ci, w, scale, from, x, batch, y);
    }
}
