package jprune.deploy.format;

import static jprune.deploy.format.DenseKernels.B2F;
import static jprune.deploy.format.FormatSpecies.B;
import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.FOLD_1;
import static jprune.deploy.format.FormatSpecies.FOLD_2;
import static jprune.deploy.format.FormatSpecies.FOLD_4;
import static jprune.deploy.format.FormatSpecies.FOLD_8;
import static jprune.deploy.format.FormatSpecies.I;
import static jprune.deploy.format.FormatSpecies.L;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import jprune.tensor.Cpu;

/**
 * CSR products, each next to its scalar reference.
 *
 * <p>Batch 1 gathers x: L column indices are widened to ints and one vector gather fetches x at
 * them, then one FMA with L contiguous values. Long rows go one at a time, or on Intel eight from the
 * chunk's eighths in lockstep ({@link #LONG_ROWS_LOCKSTEP} says why); short rows four from the
 * chunk's quarters, then one. The history of the eight-row kernel, measured on 4096×4096 at 10% density,
 * 2 threads, matrices cycled out of the LLC (Xeon, AVX-512, JDK 25), first while another process
 * shared the machine: scalar loop with 4 accumulators 2.53 ms, gather one row at a time
 * 0.99-1.06 ms, two rows in lockstep 0.86-0.88 ms, whole row's indices widened first 1.17 ms;
 * masked gathers for the row tails were 2-4× slower than finishing the tail in scalar code;
 * reading values and indices without any gather 0.68 ms. Then on the quiet machine (JMH): two rows
 * 1658-1685 products/s, four rows 1973-2010 (0.50 ms; dense 2.3 ms). On a Zen 5 (2026-12-03, one
 * thread, A/B in one process): each row's scalar tail and its lane sum through memory cost as much
 * as its gathers on short rows; folding the lanes in registers and padding rows to whole vectors
 * (so no tail) made 300×784 at 4% density 2.1× faster and 4096×4096 at 10% 1.45×. On an Intel
 * Xeon VM with AVX-512 (2026-12-03, heap on 2 MB pages, fresh JVMs, alternating jars): a 16-lane
 * gather step costs ~3.4 ns warm (9-10 cycles: the gather alone takes ~2.8), and streaming from
 * memory the time was close to that compute plus the bytes at full bandwidth, as if the two did not
 * overlap; eight rows instead of four took 4096×4096 at 10%, 2 threads, from 0.54 to 0.44 ms
 * streaming and from 0.31 to 0.27 warm. A first eight-row kernel with every row's tail and fold
 * written out in one method ran some `bench sparse` points 10× slower and was reverted; here the
 * rows' ends go through {@link #finishRow}, a method of its own, and -XX:+PrintCompilation shows the
 * rest compiled with every vector operation an intrinsic.
 */
final class CsrKernels {
    private CsrKernels() {}

    /** Shorts with as many lanes as floats: one 16-bit index per float lane. */
    static final VectorSpecies<Short> S =
            ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, L * 16)));
    private static final VectorOperators.Conversion<Short, Integer> S2I = VectorOperators.ZERO_EXTEND_S2I;

    /*
     * rp here is where each row starts in the arrays: CsrMatrix stores every row padded with zero
     * weights to a multiple of L, so a row is whole vectors only. The gather step is written out in
     * every loop rather than in a helper (see FormatSpecies.sum): L 16-bit indices are widened into
     * idx (a gather takes its map from an int[]), x is gathered at them and multiplied into the
     * accumulator with L contiguous values. Every row is one chain of FMAs over its vectors, then its
     * lanes' sum folded in registers, whichever rows it runs beside, so results are the same for any
     * thread count.
     */

    static void gemv(int[] rp, char[] ci, float[] v, float[] x, float[] y, int from, int to) {
        gemv(rp, ci, v, x, y, from, to, LONG_ROWS_LOCKSTEP);
    }

    /** {@link #gemv} with long rows taken {@code lockstep} at a time (1 or 8): the same bits either way. */
    static void gemv(int[] rp, char[] ci, float[] v, float[] x, float[] y, int from, int to, int lockstep) {
        // Long rows (at least four vectors on average) pay for a call to finishRow per row in the
        // eight-row kernel (measured: 300×784 at 4% and 100×300 at 10%, two vectors a row, ran 6-10%
        // slower with eight rows, 1024×1024 at 10%, seven vectors a row, 7% faster, one thread, warm).
        boolean longRows = rp[to] - rp[from] >= (long) LONG_ROW_ENTRIES * (to - from);
        if (!longRows) {
            gemv4(rp, ci, v, x, y, from, to);
        } else if (lockstep == 8) {
            int eighth = (to - from) >>> 3;
            gemv8(rp, ci, v, x, y, from, eighth);
            gemv4(rp, ci, v, x, y, from + 8 * eighth, to);
        } else {
            gemv1(rp, ci, v, x, y, from, to);
        }
    }

    /** Fewest entries a row, on average over a range, for the long-row kernels: four vectors. */
    private static final int LONG_ROW_ENTRIES = 4 * L;

    /** The property that overrides {@link #LONG_ROWS_LOCKSTEP}: 1 or 8. */
    static final String LOCKSTEP_PROPERTY = "jprune.csr.lockstep";

    /**
     * How many long rows the matrix-vector product runs side by side: 8 on Intel, 1 elsewhere, or
     * {@value #LOCKSTEP_PROPERTY}. Eight rows from a range's eighths keep sixteen streams (values and
     * indices of each) in flight, which an Intel Xeon needs: there it took 4096×4096 at 10%,
     * streaming, 2 threads, from 0.54 ms with four rows to 0.44 (2026-12-03). A Zen 5 EPYC's
     * prefetchers fall behind on that many streams, and one row at a time (two streams, each read
     * front to back across rows) keeps up with memory there: 4096×4096 at 10%, 2 threads, streaming,
     * one run of interleaved rounds (2026-12-04): one row 0.30-0.33 ms, two rows from the halves
     * 0.32-0.33, four from the quarters 0.36, eight 0.55-0.79; at 2% 0.11 ms against 0.35, at 5% 0.18
     * against 0.43; on one thread 0.58 ms against 0.87. Warm, the four were within 0.29-0.40 ms: the
     * streams, not the gathers, make the difference.
     */
    static final int LONG_ROWS_LOCKSTEP = lockstep(System.getProperty(LOCKSTEP_PROPERTY), Cpu.isIntel());

    static int lockstep(String setting, boolean intel) {
        if (setting == null || setting.isBlank()) return intel ? 8 : 1;
        return switch (setting.trim()) {
            case "1" -> 1;
            case "8" -> 8;
            default -> throw new IllegalArgumentException(LOCKSTEP_PROPERTY + "=" + setting + " is not allowed; use 1 or 8");
        };
    }

    /**
     * Rows [from, to) one at a time, each a chain of gather-FMAs then its lanes folded: the values and
     * indices are read as two streams front to back.
     *
     * <p>The loop is unrolled by hand, four gathers then their four FMAs, because a masked gather
     * also reads its destination register: when C2 unrolled the plain loop eight times (which it did
     * when the loop's profile came from long rows, e.g. after a 50%-dense matrix), it gave all the
     * gathers two destination registers, each gather waited for the one before, and 4096×4096 at 10%
     * took 0.42 ms instead of 0.32 (2 threads, streaming, Zen 5; the compiled code read with
     * -XX:CompileCommand=print and bin/dev/c2-disassemble). With four gathers written out before
     * their FMAs, C2 gave them three registers (two share one) from either profile, and running 50%
     * first no longer slows 10% down ({@code bench sparse --batches 1 --densities 0.5,0.1} against
     * {@code --densities 0.1}, three runs each, alternating: 322-475 µs against 346-537). The row's
     * last vectors and its fold go through {@link #finishRow}, as in the eight-row kernel.
     */
    private static void gemv1(int[] rp, char[] ci, float[] v, float[] x, float[] y, int from, int to) {
        Scratch scratch = Scratch.get();
        int[] idx = scratch.index;
        float[] lanes = scratch.lanes;
        for (int r = from; r < to; r++) {
            FloatVector a = FloatVector.zero(F);
            int k = rp[r], e = rp[r + 1];
            // Four gathers into four registers, then their FMAs in order (see the method's doc).
            for (; k + 4 * L <= e; k += 4 * L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k).convertShape(S2I, I, 0)).intoArray(idx, 0);
                ((IntVector) ShortVector.fromCharArray(S, ci, k + L).convertShape(S2I, I, 0)).intoArray(idx, L);
                ((IntVector) ShortVector.fromCharArray(S, ci, k + 2 * L).convertShape(S2I, I, 0)).intoArray(idx, 2 * L);
                ((IntVector) ShortVector.fromCharArray(S, ci, k + 3 * L).convertShape(S2I, I, 0)).intoArray(idx, 3 * L);
                FloatVector g0 = FloatVector.fromArray(F, x, 0, idx, 0), g1 = FloatVector.fromArray(F, x, 0, idx, L);
                FloatVector g2 = FloatVector.fromArray(F, x, 0, idx, 2 * L), g3 = FloatVector.fromArray(F, x, 0, idx, 3 * L);
                a = g0.fma(FloatVector.fromArray(F, v, k), a);
                a = g1.fma(FloatVector.fromArray(F, v, k + L), a);
                a = g2.fma(FloatVector.fromArray(F, v, k + 2 * L), a);
                a = g3.fma(FloatVector.fromArray(F, v, k + 3 * L), a);
            }
            a.intoArray(lanes, 0);
            y[r] = finishRow(ci, v, x, idx, lanes, k, e);
        }
    }

    /**
     * Rows [from, from + 8·eighth): one row from each eighth, eight in lockstep while all have
     * vectors left. Each row's accumulator then goes through {@code lanes} to {@link #finishRow},
     * which continues the same chain over the row's rest and folds it; passing it through an array
     * rather than as a vector keeps this method small enough for C2 to compile the gathers and FMAs
     * as intrinsics in every context (see FormatSpecies.sum). The eight gathers are written before
     * their FMAs: a masked gather also reads its destination register, and with each FMA right after
     * its gather C2 gave seven of the eight gathers one register in the compile we read, so each
     * waited for the one before (-XX:CompileCommand=print). Written first, they got five, and
     * 4096×4096 at 10%, 2 threads, streaming, took 0.57-0.77 ms instead of 0.87-1.06 on the Zen 5
     * VM with -Djprune.csr.lockstep=8 (2026-12-04, alternating jars; not measured on Intel).
     */
    private static void gemv8(int[] rp, char[] ci, float[] v, float[] x, float[] y, int from, int eighth) {
        Scratch scratch = Scratch.get();
        int[] idx = scratch.index;
        float[] lanes = scratch.lanes;
        for (int i = 0; i < eighth; i++) {
            int r0 = from + i, r1 = r0 + eighth, r2 = r1 + eighth, r3 = r2 + eighth;
            int r4 = r3 + eighth, r5 = r4 + eighth, r6 = r5 + eighth, r7 = r6 + eighth;
            int k0 = rp[r0], k1 = rp[r1], k2 = rp[r2], k3 = rp[r3], k4 = rp[r4], k5 = rp[r5], k6 = rp[r6], k7 = rp[r7];
            // whole vectors all eight rows have (rows are padded to whole vectors)
            int common = Math.min(Math.min(Math.min(rp[r0 + 1] - k0, rp[r1 + 1] - k1), Math.min(rp[r2 + 1] - k2, rp[r3 + 1] - k3)),
                    Math.min(Math.min(rp[r4 + 1] - k4, rp[r5 + 1] - k5), Math.min(rp[r6 + 1] - k6, rp[r7 + 1] - k7)));
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int j = 0; j < common; j += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k0 + j).convertShape(S2I, I, 0)).intoArray(idx, 0);
                ((IntVector) ShortVector.fromCharArray(S, ci, k1 + j).convertShape(S2I, I, 0)).intoArray(idx, L);
                ((IntVector) ShortVector.fromCharArray(S, ci, k2 + j).convertShape(S2I, I, 0)).intoArray(idx, 2 * L);
                ((IntVector) ShortVector.fromCharArray(S, ci, k3 + j).convertShape(S2I, I, 0)).intoArray(idx, 3 * L);
                ((IntVector) ShortVector.fromCharArray(S, ci, k4 + j).convertShape(S2I, I, 0)).intoArray(idx, 4 * L);
                ((IntVector) ShortVector.fromCharArray(S, ci, k5 + j).convertShape(S2I, I, 0)).intoArray(idx, 5 * L);
                ((IntVector) ShortVector.fromCharArray(S, ci, k6 + j).convertShape(S2I, I, 0)).intoArray(idx, 6 * L);
                ((IntVector) ShortVector.fromCharArray(S, ci, k7 + j).convertShape(S2I, I, 0)).intoArray(idx, 7 * L);
                FloatVector g0 = FloatVector.fromArray(F, x, 0, idx, 0), g1 = FloatVector.fromArray(F, x, 0, idx, L);
                FloatVector g2 = FloatVector.fromArray(F, x, 0, idx, 2 * L), g3 = FloatVector.fromArray(F, x, 0, idx, 3 * L);
                FloatVector g4 = FloatVector.fromArray(F, x, 0, idx, 4 * L), g5 = FloatVector.fromArray(F, x, 0, idx, 5 * L);
                FloatVector g6 = FloatVector.fromArray(F, x, 0, idx, 6 * L), g7 = FloatVector.fromArray(F, x, 0, idx, 7 * L);
                a0 = g0.fma(FloatVector.fromArray(F, v, k0 + j), a0);
                a1 = g1.fma(FloatVector.fromArray(F, v, k1 + j), a1);
                a2 = g2.fma(FloatVector.fromArray(F, v, k2 + j), a2);
                a3 = g3.fma(FloatVector.fromArray(F, v, k3 + j), a3);
                a4 = g4.fma(FloatVector.fromArray(F, v, k4 + j), a4);
                a5 = g5.fma(FloatVector.fromArray(F, v, k5 + j), a5);
                a6 = g6.fma(FloatVector.fromArray(F, v, k6 + j), a6);
                a7 = g7.fma(FloatVector.fromArray(F, v, k7 + j), a7);
            }
            a0.intoArray(lanes, 0);
            y[r0] = finishRow(ci, v, x, idx, lanes, k0 + common, rp[r0 + 1]);
            a1.intoArray(lanes, 0);
            y[r1] = finishRow(ci, v, x, idx, lanes, k1 + common, rp[r1 + 1]);
            a2.intoArray(lanes, 0);
            y[r2] = finishRow(ci, v, x, idx, lanes, k2 + common, rp[r2 + 1]);
            a3.intoArray(lanes, 0);
            y[r3] = finishRow(ci, v, x, idx, lanes, k3 + common, rp[r3 + 1]);
            a4.intoArray(lanes, 0);
            y[r4] = finishRow(ci, v, x, idx, lanes, k4 + common, rp[r4 + 1]);
            a5.intoArray(lanes, 0);
            y[r5] = finishRow(ci, v, x, idx, lanes, k5 + common, rp[r5 + 1]);
            a6.intoArray(lanes, 0);
            y[r6] = finishRow(ci, v, x, idx, lanes, k6 + common, rp[r6 + 1]);
            a7.intoArray(lanes, 0);
            y[r7] = finishRow(ci, v, x, idx, lanes, k7 + common, rp[r7 + 1]);
        }
    }

    /**
     * A row's chain continued from the accumulator in acc over its entries [k, e), then its lanes
     * folded; from zeros it is a whole row.
     */
    private static float finishRow(char[] ci, float[] v, float[] x, int[] idx, float[] acc, int k, int e) {
        FloatVector a = FloatVector.fromArray(F, acc, 0);
        for (; k < e; k += L) {
            ((IntVector) ShortVector.fromCharArray(S, ci, k).convertShape(S2I, I, 0)).intoArray(idx, 0);
            a = FloatVector.fromArray(F, x, 0, idx, 0).fma(FloatVector.fromArray(F, v, k), a);
        }
        if (FOLD_8 != null) a = a.add(a.rearrange(FOLD_8));
        if (FOLD_4 != null) a = a.add(a.rearrange(FOLD_4));
        a = a.add(a.rearrange(FOLD_2));
        a = a.add(a.rearrange(FOLD_1));
        return a.lane(0);
    }

    /** Rows [from, to): four from the range's quarters in lockstep, then one by one. */
    private static void gemv4(int[] rp, char[] ci, float[] v, float[] x, float[] y, int from, int to) {
        Scratch scratch = Scratch.get();
        int[] idx = scratch.index;
        int quarter = (to - from) >>> 2;
        for (int i = 0; i < quarter; i++) {
            int r0 = from + i, r1 = r0 + quarter, r2 = r1 + quarter, r3 = r2 + quarter;
            int k0 = rp[r0], e0 = rp[r0 + 1], k1 = rp[r1], e1 = rp[r1 + 1];
            int k2 = rp[r2], e2 = rp[r2 + 1], k3 = rp[r3], e3 = rp[r3 + 1];
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (; k0 < e0 && k1 < e1 && k2 < e2 && k3 < e3; k0 += L, k1 += L, k2 += L, k3 += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k0).convertShape(S2I, I, 0)).intoArray(idx, 0);
                ((IntVector) ShortVector.fromCharArray(S, ci, k1).convertShape(S2I, I, 0)).intoArray(idx, L);
                ((IntVector) ShortVector.fromCharArray(S, ci, k2).convertShape(S2I, I, 0)).intoArray(idx, 2 * L);
                ((IntVector) ShortVector.fromCharArray(S, ci, k3).convertShape(S2I, I, 0)).intoArray(idx, 3 * L);
                a0 = FloatVector.fromArray(F, x, 0, idx, 0).fma(FloatVector.fromArray(F, v, k0), a0);
                a1 = FloatVector.fromArray(F, x, 0, idx, L).fma(FloatVector.fromArray(F, v, k1), a1);
                a2 = FloatVector.fromArray(F, x, 0, idx, 2 * L).fma(FloatVector.fromArray(F, v, k2), a2);
                a3 = FloatVector.fromArray(F, x, 0, idx, 3 * L).fma(FloatVector.fromArray(F, v, k3), a3);
            }
            // Each row finishes its own chain, so its result does not depend on its partners.
            for (; k0 < e0; k0 += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k0).convertShape(S2I, I, 0)).intoArray(idx, 0);
                a0 = FloatVector.fromArray(F, x, 0, idx, 0).fma(FloatVector.fromArray(F, v, k0), a0);
            }
            for (; k1 < e1; k1 += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k1).convertShape(S2I, I, 0)).intoArray(idx, 0);
                a1 = FloatVector.fromArray(F, x, 0, idx, 0).fma(FloatVector.fromArray(F, v, k1), a1);
            }
            for (; k2 < e2; k2 += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k2).convertShape(S2I, I, 0)).intoArray(idx, 0);
                a2 = FloatVector.fromArray(F, x, 0, idx, 0).fma(FloatVector.fromArray(F, v, k2), a2);
            }
            for (; k3 < e3; k3 += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k3).convertShape(S2I, I, 0)).intoArray(idx, 0);
                a3 = FloatVector.fromArray(F, x, 0, idx, 0).fma(FloatVector.fromArray(F, v, k3), a3);
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
            y[r0] = a0.lane(0);
            y[r1] = a1.lane(0);
            y[r2] = a2.lane(0);
            y[r3] = a3.lane(0);
        }
        if (from + 4 * quarter == to) return;
        float[] zero = scratch.lanes;
        Arrays.fill(zero, 0f);
        for (int r = from + 4 * quarter; r < to; r++) y[r] = finishRow(ci, v, x, idx, zero, rp[r], rp[r + 1]);
    }

    static void gemvInt8Vector(int[] rp, char[] ci, byte[] q, float[] scale, float[] x, float[] y, int from, int to) {
        Scratch scratch = Scratch.get();
        int[] idx = scratch.index;
        int quarter = (to - from) >>> 2;
        for (int i = 0; i < quarter; i++) {
            int r0 = from + i, r1 = r0 + quarter, r2 = r1 + quarter, r3 = r2 + quarter;
            int k0 = rp[r0], e0 = rp[r0 + 1], k1 = rp[r1], e1 = rp[r1 + 1];
            int k2 = rp[r2], e2 = rp[r2 + 1], k3 = rp[r3], e3 = rp[r3 + 1];
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (; k0 < e0 && k1 < e1 && k2 < e2 && k3 < e3; k0 += L, k1 += L, k2 += L, k3 += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k0).convertShape(S2I, I, 0)).intoArray(idx, 0);
                ((IntVector) ShortVector.fromCharArray(S, ci, k1).convertShape(S2I, I, 0)).intoArray(idx, L);
                ((IntVector) ShortVector.fromCharArray(S, ci, k2).convertShape(S2I, I, 0)).intoArray(idx, 2 * L);
                ((IntVector) ShortVector.fromCharArray(S, ci, k3).convertShape(S2I, I, 0)).intoArray(idx, 3 * L);
                a0 = FloatVector.fromArray(F, x, 0, idx, 0).fma((FloatVector) ByteVector.fromArray(B, q, k0).convertShape(B2F, F, 0), a0);
                a1 = FloatVector.fromArray(F, x, 0, idx, L).fma((FloatVector) ByteVector.fromArray(B, q, k1).convertShape(B2F, F, 0), a1);
                a2 = FloatVector.fromArray(F, x, 0, idx, 2 * L).fma((FloatVector) ByteVector.fromArray(B, q, k2).convertShape(B2F, F, 0), a2);
                a3 = FloatVector.fromArray(F, x, 0, idx, 3 * L).fma((FloatVector) ByteVector.fromArray(B, q, k3).convertShape(B2F, F, 0), a3);
            }
            // Each row finishes its own chain, so its result does not depend on its partners.
            for (; k0 < e0; k0 += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k0).convertShape(S2I, I, 0)).intoArray(idx, 0);
                a0 = FloatVector.fromArray(F, x, 0, idx, 0).fma((FloatVector) ByteVector.fromArray(B, q, k0).convertShape(B2F, F, 0), a0);
            }
            for (; k1 < e1; k1 += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k1).convertShape(S2I, I, 0)).intoArray(idx, 0);
                a1 = FloatVector.fromArray(F, x, 0, idx, 0).fma((FloatVector) ByteVector.fromArray(B, q, k1).convertShape(B2F, F, 0), a1);
            }
            for (; k2 < e2; k2 += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k2).convertShape(S2I, I, 0)).intoArray(idx, 0);
                a2 = FloatVector.fromArray(F, x, 0, idx, 0).fma((FloatVector) ByteVector.fromArray(B, q, k2).convertShape(B2F, F, 0), a2);
            }
            for (; k3 < e3; k3 += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k3).convertShape(S2I, I, 0)).intoArray(idx, 0);
                a3 = FloatVector.fromArray(F, x, 0, idx, 0).fma((FloatVector) ByteVector.fromArray(B, q, k3).convertShape(B2F, F, 0), a3);
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
            y[r0] = a0.lane(0) * scale[r0];
            y[r1] = a1.lane(0) * scale[r1];
            y[r2] = a2.lane(0) * scale[r2];
            y[r3] = a3.lane(0) * scale[r3];
        }
        for (int r = from + 4 * quarter; r < to; r++) {
            int k = rp[r], e = rp[r + 1];
            FloatVector a = FloatVector.zero(F);
            for (; k < e; k += L) {
                ((IntVector) ShortVector.fromCharArray(S, ci, k).convertShape(S2I, I, 0)).intoArray(idx, 0);
                a = FloatVector.fromArray(F, x, 0, idx, 0).fma((FloatVector) ByteVector.fromArray(B, q, k).convertShape(B2F, F, 0), a);
            }
            if (FOLD_8 != null) a = a.add(a.rearrange(FOLD_8));
            if (FOLD_4 != null) a = a.add(a.rearrange(FOLD_4));
            a = a.add(a.rearrange(FOLD_2));
            a = a.add(a.rearrange(FOLD_1));
            y[r] = a.lane(0) * scale[r];
        }
    }

    static void gemvInt8(int[] rp, char[] ci, byte[] q, float[] scale, float[] x, float[] y, int from, int to) {
        if (FormatSpecies.INT8_VECTORS) {
            gemvInt8Vector(rp, ci, q, scale, x, y, from, to);
            return;
        }
        for (int r = from; r < to; r++) y[r] = tail(ci, q, x, rp[r], rp[r + 1], 0) * scale[r];
    }

    /** s plus q[k]·x[ci[k]] over [k, end). */
    private static float tail(char[] ci, byte[] q, float[] x, int k, int end, float s) {
        for (; k < end; k++) s = Math.fma(q[k], x[ci[k]], s);
        return s;
    }

    /**
     * 32-bit indices (more than 65536 columns): they serve as the gather's index map directly. One
     * row at a time; such layers (embeddings, vocabulary heads) are rare enough not to need the
     * lockstep pair.
     */
    static void gemv(int[] rp, int[] ci, float[] v, byte[] q, float[] scale, float[] x, float[] y, int from, int to) {
        boolean int8 = q != null;
        for (int r = from; r < to; r++) {
            int k = rp[r], e = rp[r + 1];
            FloatVector a = FloatVector.zero(F);
            if (!int8) {
                for (; k < e; k += L) a = FloatVector.fromArray(F, x, 0, ci, k).fma(FloatVector.fromArray(F, v, k), a);
            } else if (FormatSpecies.INT8_VECTORS) {
                for (; k < e; k += L) {
                    a = FloatVector.fromArray(F, x, 0, ci, k).fma((FloatVector) ByteVector.fromArray(B, q, k).convertShape(B2F, F, 0), a);
                }
            }
            if (FOLD_8 != null) a = a.add(a.rearrange(FOLD_8));
            if (FOLD_4 != null) a = a.add(a.rearrange(FOLD_4));
            a = a.add(a.rearrange(FOLD_2));
            a = a.add(a.rearrange(FOLD_1));
            float s = a.lane(0);
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
