package jprune.deploy.format;

import static jprune.deploy.format.DenseKernels.B2F;
import static jprune.deploy.format.FormatSpecies.B;
import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.I;
import static jprune.deploy.format.FormatSpecies.L;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Sliced-ELL products ({@link SlicedEllMatrix}), each next to its scalar reference.
 *
 * <p>Batch 1 without a gather: a slice's L rows are the L lanes of one accumulator, so a step (one
 * entry of every row of the slice) is one vector of L values, L byte columns widened to ints, one
 * two-table permute that picks each lane's x from the panel's 2L columns (held in two registers for
 * the whole panel) and one FMA. No lane sum: the accumulator is the slice's L outputs. The
 * alternative, CSR's 16-lane gather from x, costs about 20 cycles on a Zen 5 EPYC VM, where this
 * step costs about 2; measured there (2026-12-05, one thread, warm, interleaved, a prototype of this
 * kernel): 300×784 at 10% density 2.97 µs against CSR's 9.68 and dense's 12.80, at 2% 1.93 against
 * 4.51 and 11.61; 1024×1024 at 10% 16.4 against 43.0 and 67.8. A panel's steps alternate between two
 * accumulators (an FMA waits for the one before it in its chain), added at the end of the slice.
 */
final class SlicedEllKernels {
    private SlicedEllKernels() {}

    private static final VectorOperators.Conversion<Byte, Integer> ZB2I = VectorOperators.ZERO_EXTEND_B2I;

    /**
     * Slices [sFrom, sTo) of y = W·x, writing only rows [rowFrom, rowTo) of y. Lane l of slice s is row
     * order[s·L + l] (−1: no row). xp is x copied into panels·2L floats (zeros past the last column);
     * v fp32 values or null, q int8 values or null (then scale, by lane like order, multiplies each
     * row's sum). lanes: L floats of scratch.
     */
    static void gemv(int[] stepStart, int panels, int[] order, byte[] col, float[] v, byte[] q, float[] scale, float[] xp,
                     float[] y, int sFrom, int sTo, int rowFrom, int rowTo, float[] lanes) {
        int width = 2 * L;
        for (int s = sFrom; s < sTo; s++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            int base = s * panels;
            for (int p = 0; p < panels; p++) {
                int st = stepStart[base + p], e = stepStart[base + p + 1];
                if (st == e) continue;
                IntVector lo = FloatVector.fromArray(F, xp, p * width).reinterpretAsInts();
                IntVector hi = FloatVector.fromArray(F, xp, p * width + L).reinterpretAsInts();
                if (q == null) {
                    for (; st + 1 < e; st += 2) {
                        IntVector c0 = (IntVector) ByteVector.fromArray(B, col, st * L).convertShape(ZB2I, I, 0);
                        IntVector c1 = (IntVector) ByteVector.fromArray(B, col, st * L + L).convertShape(ZB2I, I, 0);
                        a0 = FloatVector.fromArray(F, v, st * L).fma(c0.selectFrom(lo, hi).reinterpretAsFloats(), a0);
                        a1 = FloatVector.fromArray(F, v, st * L + L).fma(c1.selectFrom(lo, hi).reinterpretAsFloats(), a1);
                    }
                    if (st < e) {
                        IntVector c0 = (IntVector) ByteVector.fromArray(B, col, st * L).convertShape(ZB2I, I, 0);
                        a0 = FloatVector.fromArray(F, v, st * L).fma(c0.selectFrom(lo, hi).reinterpretAsFloats(), a0);
                    }
                } else {
                    for (; st + 1 < e; st += 2) {
                        IntVector c0 = (IntVector) ByteVector.fromArray(B, col, st * L).convertShape(ZB2I, I, 0);
                        IntVector c1 = (IntVector) ByteVector.fromArray(B, col, st * L + L).convertShape(ZB2I, I, 0);
                        FloatVector w0 = (FloatVector) ByteVector.fromArray(B, q, st * L).convertShape(B2F, F, 0);
                        FloatVector w1 = (FloatVector) ByteVector.fromArray(B, q, st * L + L).convertShape(B2F, F, 0);
                        a0 = w0.fma(c0.selectFrom(lo, hi).reinterpretAsFloats(), a0);
                        a1 = w1.fma(c1.selectFrom(lo, hi).reinterpretAsFloats(), a1);
                    }
                    if (st < e) {
                        IntVector c0 = (IntVector) ByteVector.fromArray(B, col, st * L).convertShape(ZB2I, I, 0);
                        FloatVector w0 = (FloatVector) ByteVector.fromArray(B, q, st * L).convertShape(B2F, F, 0);
                        a0 = w0.fma(c0.selectFrom(lo, hi).reinterpretAsFloats(), a0);
                    }
                }
            }
            FloatVector sum = a0.add(a1);
            if (scale != null) sum = sum.mul(FloatVector.fromArray(F, scale, s * L));
            sum.intoArray(lanes, 0);
            for (int l = 0; l < L; l++) {
                int r = order[s * L + l];
                if (r >= rowFrom && r < rowTo) y[r] = lanes[l];
            }
        }
    }

    /**
     * Reference for {@link #gemv}, lane by lane in the same order (the same two chains of fused
     * multiply-adds, the same final addition and scaling): bit-identical to it.
     */
    static void gemvScalar(int[] stepStart, int panels, int lanes, int[] position, byte[] col, float[] w, float[] scale, float[] x,
                           int cols, float[] y, int rowFrom, int rowTo) {
        int width = 2 * lanes;
        for (int r = rowFrom; r < rowTo; r++) {
            int s = position[r] / lanes, lane = position[r] % lanes;
            float a0 = 0, a1 = 0;
            for (int p = 0; p < panels; p++) {
                int st = stepStart[s * panels + p], e = stepStart[s * panels + p + 1];
                for (; st + 1 < e; st += 2) {
                    a0 = Math.fma(w[st * lanes + lane], at(x, cols, p * width + col[st * lanes + lane]), a0);
                    a1 = Math.fma(w[(st + 1) * lanes + lane], at(x, cols, p * width + col[(st + 1) * lanes + lane]), a1);
                }
                if (st < e) a0 = Math.fma(w[st * lanes + lane], at(x, cols, p * width + col[st * lanes + lane]), a0);
            }
            float sum = a0 + a1;
            y[r] = scale == null ? sum : sum * scale[r];
        }
    }

    /** x[c], or 0 past the last column (the last panel's padding). */
    private static float at(float[] x, int cols, int c) {
        return c < cols ? x[c] : 0f;
    }

    /**
     * Reference for a batched product over the slots: each row's real weights (padding, which is zero,
     * left out) in step order, then {@link SparseRowKernels#rowsScalar}. The matrix itself computes
     * batches from its CSR rows; this checks them against the slots.
     */
    static void gemmScalar(int[] stepStart, int panels, int lanes, int[] order, byte[] col, float[] w, float[] scale, float[] x,
                           int batch, float[] y) {
        int slices = (stepStart.length - 1) / panels, width = 2 * lanes;
        for (int s = 0; s < slices; s++) {
            int steps = stepStart[(s + 1) * panels] - stepStart[s * panels];
            for (int lane = 0; lane < lanes; lane++) {
                int row = order[s * lanes + lane];
                if (row < 0) continue;
                int[] c = new int[steps];
                float[] wt = new float[steps];
                int k = 0;
                for (int p = 0; p < panels; p++) {
                    for (int st = stepStart[s * panels + p]; st < stepStart[s * panels + p + 1]; st++) {
                        int at = st * lanes + lane;
                        if (w[at] == 0) continue;
                        c[k] = p * width + col[at];
                        wt[k++] = w[at];
                    }
                }
                SparseRowKernels.rowsScalar(1, new int[] {0, k}, c, wt, scale, row, x, batch, y);
            }
        }
    }
}
