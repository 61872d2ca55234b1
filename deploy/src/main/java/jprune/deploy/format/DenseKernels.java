package jprune.deploy.format;

import static jprune.deploy.format.FormatSpecies.B;
import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.L;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorOperators.Conversion;
import jprune.tensor.Gemm;

/**
 * Dense row-major products, each next to its scalar reference. The matrix-vector kernels read W
 * exactly once and x from L1, so they run at memory speed; lanes are summed once per row.
 */
final class DenseKernels {
    private DenseKernels() {}

    /** int8 to float lane conversion (exact: every int8 is a float). */
    static final Conversion<Byte, Float> B2F = VectorOperators.B2F;

    /**
     * y[r] = W[r,:]·x for rows [from, to). Four rows from the chunk's quarters go in lockstep, each
     * x vector loaded once for all four: a matrix-vector product is bound by how many misses are in
     * flight, and four streams per thread keep more of them going. 4096×4096, 2 threads, weights
     * cycled past the LLC (JMH): one row at a time 395-399 products/s (26.5-26.8 GB/s), two rows
     * 355-366, four rows 435-439 (29.2-29.5 GB/s); the machine's best streaming read, four streams
     * per thread, is 32.3 GB/s.
     */
    static void gemv(float[] w, int cols, float[] x, float[] y, int from, int to) {
        float[] lanes = Scratch.get().lanes;
        int c1 = cols - cols % L;
        int quarter = (to - from) >>> 2;
        for (int i = 0; i < quarter; i++) {
            int r0 = from + i, r1 = r0 + quarter, r2 = r1 + quarter, r3 = r2 + quarter;
            int b0 = r0 * cols, b1 = r1 * cols, b2 = r2 * cols, b3 = r3 * cols;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int c = 0; c < c1; c += L) {
                FloatVector xv = FloatVector.fromArray(F, x, c);
                a0 = FloatVector.fromArray(F, w, b0 + c).fma(xv, a0);
                a1 = FloatVector.fromArray(F, w, b1 + c).fma(xv, a1);
                a2 = FloatVector.fromArray(F, w, b2 + c).fma(xv, a2);
                a3 = FloatVector.fromArray(F, w, b3 + c).fma(xv, a3);
            }
            a0.intoArray(lanes, 0);
            float s0 = FormatSpecies.sum(lanes);
            a1.intoArray(lanes, 0);
            float s1 = FormatSpecies.sum(lanes);
            a2.intoArray(lanes, 0);
            float s2 = FormatSpecies.sum(lanes);
            a3.intoArray(lanes, 0);
            float s3 = FormatSpecies.sum(lanes);
            // The four rows' tails side by side: each is the same chain as alone, and the four
            // chains overlap (one after the other, a 12-column tail took as long as the rest of a
            // 300-column row).
            for (int c = c1; c < cols; c++) {
                float xc = x[c];
                s0 = Math.fma(w[b0 + c], xc, s0);
                s1 = Math.fma(w[b1 + c], xc, s1);
                s2 = Math.fma(w[b2 + c], xc, s2);
                s3 = Math.fma(w[b3 + c], xc, s3);
            }
            y[r0] = s0;
            y[r1] = s1;
            y[r2] = s2;
            y[r3] = s3;
        }
        // Leftover rows: the same single chain per row as in lockstep, so a row's result does not
        // depend on where the chunk boundaries (the thread count) put it.
        for (int r = from + 4 * quarter; r < to; r++) {
            int base = r * cols;
            FloatVector a0 = FloatVector.zero(F);
            for (int c = 0; c < c1; c += L) a0 = FloatVector.fromArray(F, w, base + c).fma(FloatVector.fromArray(F, x, c), a0);
            a0.intoArray(lanes, 0);
            y[r] = tail(w, base, x, c1, cols, FormatSpecies.sum(lanes));
        }
    }

    /** s plus the row's columns [c, cols) after the last whole vector. */
    private static float tail(float[] w, int base, float[] x, int c, int cols, float s) {
        for (; c < cols; c++) s = Math.fma(w[base + c], x[c], s);
        return s;
    }

    static void gemvScalar(float[] w, int cols, float[] x, float[] y, int from, int to) {
        for (int r = from; r < to; r++) {
            float s = 0;
            for (int c = 0; c < cols; c++) s += w[r * cols + c] * x[c];
            y[r] = s;
        }
    }

    /**
     * y[r] = scale[r] · (q[r,:]·x): int8 weights widen to float lanes (B2F, exact); the scale waits
     * for the row's end. Two rows, from the range's halves, run side by side: they share the loads of
     * x, and their scalar tails (the columns after the last whole vector) overlap. Each row keeps its
     * own four accumulators and chain, the same as a row alone ({@link #gemvInt8Row}), so the split
     * never changes a bit. 100×300 on one thread (Zen 5): 3.4 µs with one row at a time, where the
     * 12-column tail alone took 1.6 µs.
     */
    static void gemvInt8(byte[] q, float[] scale, int cols, float[] x, float[] y, int from, int to) {
        if (!FormatSpecies.INT8_VECTORS) {
            gemvInt8Scalar(q, scale, cols, x, y, from, to);
            return;
        }
        float[] lanes = Scratch.get().lanes;
        int c4 = cols - cols % (4 * L), c1 = cols - cols % L;
        int half = (to - from) >>> 1;
        for (int i = 0; i < half; i++) {
            int r = from + i, s = r + half;
            int ba = r * cols, bb = s * cols;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int c = 0;
            for (; c < c4; c += 4 * L) {
                FloatVector x0 = FloatVector.fromArray(F, x, c), x1 = FloatVector.fromArray(F, x, c + L);
                FloatVector x2 = FloatVector.fromArray(F, x, c + 2 * L), x3 = FloatVector.fromArray(F, x, c + 3 * L);
                a0 = ((FloatVector) ByteVector.fromArray(B, q, ba + c).convertShape(B2F, F, 0)).fma(x0, a0);
                b0 = ((FloatVector) ByteVector.fromArray(B, q, bb + c).convertShape(B2F, F, 0)).fma(x0, b0);
                a1 = ((FloatVector) ByteVector.fromArray(B, q, ba + c + L).convertShape(B2F, F, 0)).fma(x1, a1);
                b1 = ((FloatVector) ByteVector.fromArray(B, q, bb + c + L).convertShape(B2F, F, 0)).fma(x1, b1);
                a2 = ((FloatVector) ByteVector.fromArray(B, q, ba + c + 2 * L).convertShape(B2F, F, 0)).fma(x2, a2);
                b2 = ((FloatVector) ByteVector.fromArray(B, q, bb + c + 2 * L).convertShape(B2F, F, 0)).fma(x2, b2);
                a3 = ((FloatVector) ByteVector.fromArray(B, q, ba + c + 3 * L).convertShape(B2F, F, 0)).fma(x3, a3);
                b3 = ((FloatVector) ByteVector.fromArray(B, q, bb + c + 3 * L).convertShape(B2F, F, 0)).fma(x3, b3);
            }
            for (; c < c1; c += L) {
                FloatVector xv = FloatVector.fromArray(F, x, c);
                a0 = ((FloatVector) ByteVector.fromArray(B, q, ba + c).convertShape(B2F, F, 0)).fma(xv, a0);
                b0 = ((FloatVector) ByteVector.fromArray(B, q, bb + c).convertShape(B2F, F, 0)).fma(xv, b0);
            }
            a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
            float sa = FormatSpecies.sum(lanes);
            b0.add(b1).add(b2.add(b3)).intoArray(lanes, 0);
            float sb = FormatSpecies.sum(lanes);
            for (; c < cols; c++) {
                float xc = x[c];
                sa = Math.fma(q[ba + c], xc, sa);
                sb = Math.fma(q[bb + c], xc, sb);
            }
            y[r] = sa * scale[r];
            y[s] = sb * scale[s];
        }
        if (((to - from) & 1) != 0) gemvInt8Row(q, scale, cols, x, y, to - 1, lanes);
    }

    /** One row of {@link #gemvInt8}: four accumulators over whole vectors, their lane sum, then the tail. */
    private static void gemvInt8Row(byte[] q, float[] scale, int cols, float[] x, float[] y, int r, float[] lanes) {
        int c4 = cols - cols % (4 * L), c1 = cols - cols % L;
        int base = r * cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c < c4; c += 4 * L) {
            FloatVector q0 = (FloatVector) ByteVector.fromArray(B, q, base + c).convertShape(B2F, F, 0);
            FloatVector q1 = (FloatVector) ByteVector.fromArray(B, q, base + c + L).convertShape(B2F, F, 0);
            FloatVector q2 = (FloatVector) ByteVector.fromArray(B, q, base + c + 2 * L).convertShape(B2F, F, 0);
            FloatVector q3 = (FloatVector) ByteVector.fromArray(B, q, base + c + 3 * L).convertShape(B2F, F, 0);
            a0 = q0.fma(FloatVector.fromArray(F, x, c), a0);
            a1 = q1.fma(FloatVector.fromArray(F, x, c + L), a1);
            a2 = q2.fma(FloatVector.fromArray(F, x, c + 2 * L), a2);
            a3 = q3.fma(FloatVector.fromArray(F, x, c + 3 * L), a3);
        }
        for (; c < c1; c += L) {
            a0 = ((FloatVector) ByteVector.fromArray(B, q, base + c).convertShape(B2F, F, 0)).fma(FloatVector.fromArray(F, x, c), a0);
        }
        a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
        float s = FormatSpecies.sum(lanes);
        for (; c < cols; c++) s = Math.fma(q[base + c], x[c], s);
        y[r] = s * scale[r];
    }

    static void gemvInt8Scalar(byte[] q, float[] scale, int cols, float[] x, float[] y, int from, int to) {
        for (int r = from; r < to; r++) {
            float s = 0;
            for (int c = 0; c < cols; c++) s += q[r * cols + c] * x[c];
            y[r] = s * scale[r];
        }
    }

    /**
     * Y[from..to) = W·X for int8 W: blocks of rows are widened to floats (without their scales) in a
     * per-thread buffer small enough to stay in L2, multiplied by {@link Gemm} on this thread, and
     * then scaled row by row. Widening costs one pass over W's bytes per call, against a GEMM that
     * reads each weight batch times from cache.
     */
    static void gemmInt8(byte[] q, float[] scale, int cols, float[] x, int batch, float[] y, int from, int to) {
        int block = blockRows(cols);
        float[] wf = Scratch.get().floats(block * cols);
        for (int r0 = from; r0 < to; r0 += block) {
            int h = Math.min(block, to - r0);
            for (int i = 0, n = h * cols, base = r0 * cols; i < n; i++) wf[i] = q[base + i];
            Gemm.gemm(false, false, h, batch, cols, wf, 0, cols, x, 0, batch, false, y, r0 * batch, batch);
            for (int r = r0; r < r0 + h; r++) {
                float s = scale[r];
                for (int b = r * batch, end = b + batch; b < end; b++) y[b] *= s;
            }
        }
    }

    /** Rows widened at a time: about 256 KiB of floats, a multiple of 8 rows (GEMM's row tile), 8 to 64. */
    static int blockRows(int cols) {
        int rows = (1 << 16) / Math.max(1, cols) / 8 * 8;
        return Math.max(8, Math.min(64, rows));
    }

    static void gemmInt8Scalar(byte[] q, float[] scale, int cols, float[] x, int batch, float[] y, int from, int to) {
        for (int r = from; r < to; r++) {
            for (int b = 0; b < batch; b++) {
                float s = 0;
                for (int c = 0; c < cols; c++) s += q[r * cols + c] * x[c * batch + b];
                y[r * batch + b] = s * scale[r];
            }
        }
    }

    /**
     * The fp32 batched product one output at a time: a chain of fused multiply-adds in column order,
     * what {@link jprune.tensor.Gemm} computes for {@link DenseMatrix#multiplyBatch} and the inference
     * plan's linear kernel for the same layer, so that under the scalar vector policy a dense layer
     * gives the same bits as a module and as a plan step.
     */
    static void gemmScalar(float[] w, int cols, float[] x, int batch, float[] y, int from, int to) {
        for (int r = from; r < to; r++) {
            for (int b = 0; b < batch; b++) {
                float s = 0;
                for (int c = 0; c < cols; c++) s = Math.fma(w[r * cols + c], x[c * batch + b], s);
                y[r * batch + b] = s;
            }
        }
    }

}
