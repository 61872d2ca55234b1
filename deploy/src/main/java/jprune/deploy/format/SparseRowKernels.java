package jprune.deploy.format;

import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.L;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The batched product of sparse rows: Y[row, :] = scale · Σ_k w[k] · X[col[k], :] over each row's
 * nonzeros, X and Y feature-major (X[c·batch + b]). CSR, bitmask and block-sparse with blocks other
 * than four rows tall decode a block of rows into (column, weight) pairs and hand them here, so their
 * hot loop is written once: the batch's accumulators stay in vector registers (4 vectors, 64 floats
 * with AVX-512) while each nonzero adds its weight times a contiguous run of X. (Four-row blocks have
 * a register-blocked loop of their own, {@code BlockSparseKernels.gemm4}.)
 *
 * <p>X is first copied into a 64-byte-aligned native buffer. A Java float[]'s elements start 16
 * bytes into a cache line, so every 64-byte load of a 64-sample X row straddled two lines; measured
 * on 512 rows × 4096 columns at batch 64 (Xeon, AVX-512): 0.90-0.96 ns per nonzero and 16 samples
 * from the array, 0.58 from the aligned copy including the copy. Tried and dropped: cutting the
 * columns into panels whose slice of X fits L1 (1.6-1.7 ns: at 10% density a 64-column panel holds
 * ~6 nonzeros of a row, too few to repay parking the sums in Y), and eight accumulators instead of
 * four (within noise). Small batches copy too: reading X in place (a heap segment over the array)
 * was slower even at lenet-300-100's sizes, measured on AMD EPYC (Zen 5, AVX-512), interleaved
 * rounds, median time ratio copy / in place: 0.70 at 300×784, 8% dense, batch 32 (fc1 as the
 * inference plan runs it on one of two threads), 0.83 at batch 64, 0.64 at 100×300 batch 32,
 * 0.84 at 4096×4096 batch 64 (2026-12-03, load average 5).
 */
final class SparseRowKernels {
    private SparseRowKernels() {}

    /** Batch columns handled per pass: four vectors of accumulators. */
    static final int SLAB = 4 * L;
    /** Rows decoded into scratch at a time. */
    static final int BLOCK_ROWS = 16;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final long LANE_BYTES = 4L * L;
    /** Each calling thread's aligned copy of X, grown on demand; read by all threads of one product. */
    private static final ThreadLocal<MemorySegment[]> ALIGNED = ThreadLocal.withInitial(() -> new MemorySegment[1]);

    /**
     * x[0..n) in a 64-byte-aligned segment owned by the calling thread, valid until its next call.
     * Zero past n up to a whole vector, so masked tails need no special case.
     */
    static MemorySegment aligned(float[] x, int n) {
        MemorySegment[] holder = ALIGNED.get();
        long bytes = 4L * n + LANE_BYTES;
        if (holder[0] == null || holder[0].byteSize() < bytes) {
            holder[0] = Arena.ofAuto().allocate(Math.max(bytes, 1 << 16), 64);
        }
        MemorySegment seg = holder[0];
        MemorySegment.copy(x, 0, seg, ValueLayout.JAVA_FLOAT, 0, n);
        seg.asSlice(4L * n, LANE_BYTES).fill((byte) 0);
        return seg;
    }

    /**
     * Y rows rowBase + i (i < rows) = scale[rowBase + i] (1 when scale is null) · Σ over row i's
     * entries k in [start[i], start[i+1]) of w[k + wShift] · X[col[k], :], X as returned by
     * {@link #aligned}. The shift lets a format whose rows keep their weights contiguous pass its
     * value array in place and decode only the columns.
     */
    static void rows(int rows, int[] start, int[] col, float[] w, int wShift, float[] scale, int rowBase,
                     MemorySegment x, int batch, float[] y) {
        for (int i = 0; i < rows; i++) {
            row(col, w, wShift, start[i], start[i + 1], x, batch, y, (rowBase + i) * batch, scale != null ? scale[rowBase + i] : 1f);
        }
    }

    /**
     * Y[out .. out + batch) = s · Σ_{k in [from, end)} w[k + wShift]·X[col[k]·batch ..]: four vectors of
     * the batch at a time, then two, then one (masked past the batch's end).
     *
     * <p>One method for all three on purpose: at over 325 bytes of bytecode (C2's FreqInlineSize) it
     * is never inlined, so C2 compiles it once, on its own, whichever format's product gets hot first.
     * When the four-vector loop was a small method of its own, whether C2 inlined it into a format's
     * decoder depended on which compile finished first, and the inlined copies ran 15-30% slower:
     * bitmask and block-sparse at batch 64 read 2.4 against 3.2 (block-sparse, 10%) from one JVM to the
     * next. Out of line it was the fastest for every format (`-XX:CompileCommand=dontinline`, 4096 x
     * 4096, batch 64, fresh JVMs).
     */
    private static void row(int[] col, float[] w, int wShift, int from, int end, MemorySegment x, int batch,
                            float[] y, int out, float s) {
        long rowBytes = 4L * batch;
        int b = 0;
        for (; b + SLAB <= batch; b += SLAB) {
            long bOff = 4L * b;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int k = from; k < end; k++) {
                long at = col[k] * rowBytes + bOff;
                FloatVector wk = FloatVector.broadcast(F, w[k + wShift]);
                a0 = FloatVector.fromMemorySegment(F, x, at, ORDER).fma(wk, a0);
                a1 = FloatVector.fromMemorySegment(F, x, at + LANE_BYTES, ORDER).fma(wk, a1);
                a2 = FloatVector.fromMemorySegment(F, x, at + 2 * LANE_BYTES, ORDER).fma(wk, a2);
                a3 = FloatVector.fromMemorySegment(F, x, at + 3 * LANE_BYTES, ORDER).fma(wk, a3);
            }
            a0.mul(s).intoArray(y, out + b);
            a1.mul(s).intoArray(y, out + b + L);
            a2.mul(s).intoArray(y, out + b + 2 * L);
            a3.mul(s).intoArray(y, out + b + 3 * L);
        }
        // Two vectors: a thread's half of a 64-sample batch (the plan splits batches by samples), which
        // two one-vector passes would decode twice.
        if (b + 2 * L <= batch) {
            long bOff = 4L * b;
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            for (int k = from; k < end; k++) {
                long at = col[k] * rowBytes + bOff;
                FloatVector wk = FloatVector.broadcast(F, w[k + wShift]);
                a0 = FloatVector.fromMemorySegment(F, x, at, ORDER).fma(wk, a0);
                a1 = FloatVector.fromMemorySegment(F, x, at + LANE_BYTES, ORDER).fma(wk, a1);
            }
            a0.mul(s).intoArray(y, out + b);
            a1.mul(s).intoArray(y, out + b + L);
            b += 2 * L;
        }
        for (; b < batch; b += L) {
            VectorMask<Float> m = F.indexInRange(b, batch);
            long bOff = 4L * b;
            FloatVector a = FloatVector.zero(F);
            for (int k = from; k < end; k++) {
                a = FloatVector.fromMemorySegment(F, x, col[k] * rowBytes + bOff, ORDER, m).fma(FloatVector.broadcast(F, w[k + wShift]), a);
            }
            a.mul(s).intoArray(y, out + b, m);
        }
    }

    /** Reference: each output one sum over the row's entries in order, then scaled. */
    static void rowsScalar(int rows, int[] start, int[] col, float[] w, float[] scale, int rowBase,
                           float[] x, int batch, float[] y) {
        for (int i = 0; i < rows; i++) {
            for (int b = 0; b < batch; b++) {
                float sum = 0;
                for (int k = start[i]; k < start[i + 1]; k++) sum += w[k] * x[col[k] * batch + b];
                y[(rowBase + i) * batch + b] = scale == null ? sum : sum * scale[rowBase + i];
            }
        }
    }
}
