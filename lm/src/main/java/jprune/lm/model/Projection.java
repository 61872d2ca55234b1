package jprune.lm.model;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import jprune.deploy.format.RowRangeProduct;
import jprune.deploy.format.WeightMatrix;
import jprune.lm.hf.DType;
import jprune.tensor.Elementwise;
import jprune.tensor.Gemm;
import jprune.tensor.Parallel;
import jprune.tensor.VectorPolicy;

/**
 * A linear map y = W·x (+ b) whose weights are read where they lie, in a checkpoint's mapped
 * memory, in the checkpoint's dtype (F32, F16 or BF16, widened to fp32 as they are read). W is
 * stored either [out, in] (torch's Linear) or [in, out] (GPT-2's Conv1D).
 *
 * <p>One token (decoding) streams the weights once through a matrix-vector kernel, split by output
 * rows across threads; many tokens (prefill, evaluation) widen a tile of W at a time into fp32 and
 * hand it to {@link Gemm}. Every output's sum runs in an order fixed by the shapes alone, so results
 * do not depend on the thread count.
 *
 * <p>A packed projection ({@link #packed}) holds its weights in a deploy format instead (N:M, CSR,
 * bitmask, int8...; always [out, in]) and computes from that form: one token through the format's
 * matrix-vector kernel, many tokens through its batched product on feature-major copies.
 */
public final class Projection {
    /** How W is laid out in memory. */
    public enum Layout { OUT_IN, IN_OUT }

    private static final VectorSpecies<Float> F = VectorPolicy.FLOATS;
    private static final int L = VectorPolicy.LANES;
    private static final VectorSpecies<Short> HALF = VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, L * 16)));
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Fewest output rows (or columns) widened per GEMM tile. */
    static final int TILE = 128;
    /** Most floats widened per GEMM tile (8 MiB): GPT-2 small's matrices fit whole, a 1.1B model's in a few tiles. */
    static final int TILE_FLOATS = 1 << 21;
    /** An [in, out] matrix with at least twice this many rows is read as two halves in parallel. */
    static final int ROW_BLOCK_MIN = 64;
    /** Below this many tokens, per-token matrix-vector products beat widening tiles for GEMM. */
    static final int GEMM_MIN_TOKENS = 4;
    /** Columns of a prefill's output handed to a thread are a multiple of this (whole GEMM panels). */
    static final int COLUMN_UNIT = 64;
    /** Below this many flops a prefill product stays on the calling thread (as {@link Gemm} decides for itself). */
    static final long PARALLEL_FLOPS = 4_000_000L;

    private final String name;
    private final MemorySegment w;
    private final DType dtype;
    private final int in, out;
    private final Layout layout;
    private final float[] bias;
    /** The weights in a deploy format, or null when they are read from {@link #w}. */
    private final WeightMatrix packed;

    public Projection(String name, MemorySegment w, DType dtype, int in, int out, Layout layout, float[] bias) {
        this(name, w, dtype, in, out, layout, bias, null);
        if ((long) in * out * dtype.bytes != w.byteSize())
            throw new IllegalArgumentException(name + ": " + w.byteSize() + " bytes for a " + out + "×" + in + " " + dtype + " matrix");
    }

    private Projection(String name, MemorySegment w, DType dtype, int in, int out, Layout layout, float[] bias, WeightMatrix packed) {
        if (bias != null && bias.length != out) throw new IllegalArgumentException(name + ": bias of " + bias.length + " for " + out + " outputs");
        this.name = name;
        this.w = w;
        this.dtype = dtype;
        this.in = in;
        this.out = out;
        this.layout = layout;
        this.bias = bias;
        this.packed = packed;
    }

    /** A projection computing from m (rows = outputs, cols = inputs). */
    public static Projection packed(String name, WeightMatrix m, float[] bias) {
        return new Projection(name, null, DType.F32, m.cols(), m.rows(), Layout.OUT_IN, bias, m);
    }

    /** The deploy-format weights of a packed projection, or null when it reads a dense tensor. */
    public WeightMatrix packedWeights() {
        return packed;
    }

    public String name() {
        return name;
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    public DType dtype() {
        return dtype;
    }

    public Layout layout() {
        return layout;
    }

    /** The mapped dense weights (not for a packed projection). */
    public MemorySegment weights() {
        requireDense();
        return w;
    }

    private void requireDense() {
        if (packed != null) throw new IllegalStateException(name + " is stored packed (" + packed.format() + "), not as a dense tensor");
    }

    public float[] bias() {
        return bias;
    }

    /** Bytes of weights read per token when decoding. */
    public long weightBytes() {
        return packed != null ? packed.bytes() : w.byteSize();
    }

    /** W[o, i] widened to float (the scalar reference's accessor). */
    public float weight(int o, int i) {
        requireDense();
        return dtype.get(w, layout == Layout.OUT_IN ? (long) o * in + i : (long) i * out + o);
    }

    /** W widened to fp32 as an [out, in] row-major array (transposed from GPT-2's [in, out] storage). */
    public float[] toOutIn() {
        if (packed != null) return packed.toDense();
        long n = (long) out * in;
        if (n > Integer.MAX_VALUE - 8) throw new IllegalStateException(name + ": " + n + " weights are too many for one array");
        float[] m = new float[(int) n];
        if (layout == Layout.OUT_IN) {
            dtype.read(w, 0, m, 0, m.length);
        } else {
            float[] row = new float[out];
            for (int i = 0; i < in; i++) {
                dtype.read(w, (long) i * out, row, 0, out);
                for (int o = 0; o < out; o++) m[o * in + i] = row[o];
            }
        }
        return m;
    }

    /**
     * The same projection (name, shape, layout, dtype, bias) with new weights given [out, in],
     * rounded to this projection's dtype and stored into dst (exactly {@link #weightBytes()} long,
     * e.g. from an arena or a mapped file): the bytes a checkpoint of that dtype would hold.
     */
    public Projection withWeights(float[] outIn, MemorySegment dst) {
        requireDense();
        if (outIn.length != (long) out * in) throw new IllegalArgumentException(name + ": " + outIn.length + " weights for " + out + "×" + in);
        if (dst.byteSize() != w.byteSize()) throw new IllegalArgumentException(name + ": " + dst.byteSize() + " bytes for " + w.byteSize());
        if (layout == Layout.OUT_IN) {
            dtype.write(outIn, 0, dst, 0, outIn.length);
        } else {
            float[] row = new float[out];
            for (int i = 0; i < in; i++) {
                for (int o = 0; o < out; o++) row[o] = outIn[o * in + i];
                dtype.write(row, 0, dst, (long) i * out, out);
            }
        }
        return new Projection(name, dst, dtype, in, out, layout, bias);
    }

    /** y[t·out + o] = Σ_i W[o,i]·x[t·in + i] + b[o] for t in [0, tokens). */
    public void forward(float[] x, int tokens, float[] y) {
        if (x.length < (long) tokens * in || y.length < (long) tokens * out)
            throw new IllegalArgumentException(name + ": buffers too small for " + tokens + " tokens");
        if (packed != null) {
            packedForward(x, tokens, y);
        } else if (tokens >= GEMM_MIN_TOKENS) {
            gemm(x, tokens, y);
            return;
        } else {
            for (int t = 0; t < tokens; t++) matvec(x, t * in, y, t * out);
        }
        if (bias != null) Elementwise.addRowVector(y, tokens, out, bias);
    }

    /**
     * One token, no bias: y[yOff + o] = Σ_i W[o,i]·x[xOff + i]. The work is shared with
     * {@link Parallel#share}, so a helper thread that another process preempts delays nothing: each
     * chunk is computed into the computing thread's scratch and copied out once.
     */
    void matvec(float[] x, int xOff, float[] y, int yOff) {
        if (layout == Layout.OUT_IN) {
            int chunks = Math.max(1, Math.min(DECODE_CHUNKS, (int) ((long) out * in / MIN_CHUNK_WEIGHTS)));
            Parallel.share(chunks, c -> {
                int from = Parallel.bound(out, chunks, c), to = Parallel.bound(out, chunks, c + 1);
                float[] part = scratch(to - from);
                rowsDot(x, xOff, part, -from, from, to);
                return () -> System.arraycopy(part, 0, y, yOff + from, to - from);
            });
        } else if (in < 2 * ROW_BLOCK_MIN) {
            columnsAxpy(x, xOff, y, yOff, 0, in);
        } else {
            // Two fixed halves of the rows, each one contiguous stretch of memory, summed in a fixed order: the
            // split depends on the shape alone, so the result is the same at any thread count.
            float[] upper = new float[out];
            int half = in / 2;
            Parallel.share(2, c -> {
                float[] part = scratch(out);
                columnsAxpy(x, xOff, part, 0, c == 0 ? 0 : half, c == 0 ? half : in);
                return () -> System.arraycopy(part, 0, c == 0 ? y : upper, c == 0 ? yOff : 0, out);
            });
            for (int o = 0; o < out; o++) y[yOff + o] += upper[o];
        }
    }

    /**
     * The packed product: x (one token) straight through the format's matrix-vector kernel; tokens
     * turned feature-major for its batched kernel and back. Each output's sum runs in the format's
     * fixed order, so results do not depend on the thread count either.
     */
    private void packedForward(float[] x, int tokens, float[] y) {
        if (tokens == 1) {
            if (packed instanceof RowRangeProduct rows && !VectorPolicy.SCALAR) {
                // shared out like the dense matrix-vector product: a helper another process holds back delays nothing
                int chunks = (int) Math.max(1, Math.min(DECODE_CHUNKS, packed.nonzeros() / MIN_CHUNK_WEIGHTS));
                Parallel.share(chunks, c -> {
                    int from = Parallel.bound(out, chunks, c), to = Parallel.bound(out, chunks, c + 1);
                    float[] part = scratch(out);
                    rows.multiplyVectorRows(x, part, from, to);
                    return () -> System.arraycopy(part, from, y, from, to - from);
                });
            } else {
                packed.multiplyVector(x, y);
            }
            return;
        }
        PackedScratch scratch = PACKED_SCRATCH.get();
        float[] xt = scratch.floats(0, in * tokens), yt = scratch.floats(1, out * tokens);
        for (int t = 0; t < tokens; t++)
            for (int i = 0, xi = t * in; i < in; i++) xt[i * tokens + t] = x[xi + i];
        packed.multiplyBatch(xt, tokens, yt);
        for (int t = 0; t < tokens; t++)
            for (int o = 0, yi = t * out; o < out; o++) y[yi + o] = yt[o * tokens + t];
    }

    /** Two growable buffers per thread for the feature-major copies of a packed product. */
    private static final class PackedScratch {
        private final float[][] buffers = new float[2][0];

        float[] floats(int which, int n) {
            if (buffers[which].length < n) buffers[which] = new float[n];
            return buffers[which];
        }
    }

    private static final ThreadLocal<PackedScratch> PACKED_SCRATCH = ThreadLocal.withInitial(PackedScratch::new);

    /** Chunks a decoding product is shared out in: enough that the caller can finish a late helper's share. */
    static final int DECODE_CHUNKS = 8;
    /** Fewest weights per chunk: below this a hand-off costs more than it saves. */
    static final long MIN_CHUNK_WEIGHTS = 1 << 15;
    private static final ThreadLocal<float[][]> DECODE_SCRATCH = ThreadLocal.withInitial(() -> new float[1][]);

    private static float[] scratch(int floats) {
        float[][] holder = DECODE_SCRATCH.get();
        if (holder[0] == null || holder[0].length < floats) holder[0] = new float[floats];
        return holder[0];
    }

    /**
     * Rows [from, to) of an [out, in] matrix: a dot product each, four rows at a time so each load
     * of x serves four rows and four independent FMA chains hide the FMA latency. Every row's sum
     * has the same order (lanes, then {@link VectorPolicy#laneSum}, then the tail) however the
     * rows are grouped.
     */
    private void rowsDot(float[] x, int xOff, float[] y, int yOff, int from, int to) {
        if (dtype == DType.BF16 && !VectorPolicy.SCALAR) {
            rowsDotBf16(x, xOff, y, yOff, from, to);
            return;
        }
        if (dtype == DType.F16 && !VectorPolicy.SCALAR) {
            rowsDotF16(x, xOff, y, yOff, from, to);
            return;
        }
        int bound = VectorPolicy.loopBound(in);
        float[] lanes = new float[L];
        // Four rows from the range's quarters in lockstep: four streams through memory rather than one
        // (four adjacent rows are one stream), more misses in flight. GPT-2's tied head, 154 MB, streamed
        // at 21.6 GB/s with adjacent rows, where four streams a thread read 27-30.
        int quarter = (to - from) / 4;
        for (int i = 0; i < quarter; i++) {
            int o0 = from + i, o1 = o0 + quarter, o2 = o1 + quarter, o3 = o2 + quarter;
            long r0 = (long) o0 * in, r1 = (long) o1 * in, r2 = (long) o2 * in, r3 = (long) o3 * in;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int k = 0; k < bound; k += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + k);
                a0 = load(r0 + k).fma(xv, a0);
                a1 = load(r1 + k).fma(xv, a1);
                a2 = load(r2 + k).fma(xv, a2);
                a3 = load(r3 + k).fma(xv, a3);
            }
            y[yOff + o0] = finish(a0, lanes, r0, bound, x, xOff);
            y[yOff + o1] = finish(a1, lanes, r1, bound, x, xOff);
            y[yOff + o2] = finish(a2, lanes, r2, bound, x, xOff);
            y[yOff + o3] = finish(a3, lanes, r3, bound, x, xOff);
        }
        for (int o = from + 4 * quarter; o < to; o++) {
            long row = (long) o * in;
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < bound; i += L) acc = load(row + i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
            y[yOff + o] = finish(acc, lanes, row, bound, x, xOff);
        }
    }

    /**
     * {@link #rowsDot} for BF16 weights without widening instructions: one int load holds 2L
     * consecutive weights, the even ones in the low halves (shifted up 16 bits they are the floats)
     * and the odd ones in the high halves (masked, they are the floats). x is split into its even and
     * odd elements once, so each weight meets its input in one FMA. Per row: the even and odd chains'
     * lanes, then {@link VectorPolicy#laneSum}, then the scalar tail, whichever rows it runs beside.
     */
    private void rowsDotBf16(float[] x, int xOff, float[] y, int yOff, int from, int to) {
        int pairs = in / 2, bound = VectorPolicy.loopBound(pairs);
        float[] xe = new float[pairs], xo = new float[pairs];
        for (int k = 0; k < pairs; k++) {
            xe[k] = x[xOff + 2 * k];
            xo[k] = x[xOff + 2 * k + 1];
        }
        int done = 2 * bound;
        float[] lanes = new float[L];
        for (int o = from; o < to; o++) {
            long rowBytes = (long) o * in * 2;
            FloatVector even = FloatVector.zero(F), odd = even;
            for (int k = 0; k < bound; k += L) {
                IntVector packed = IntVector.fromMemorySegment(INTS, w, rowBytes + 4L * k, LE);
                even = packed.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xe, k), even);
                odd = packed.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, k), odd);
            }
            float s = 0;
            if (bound > 0) {
                even.add(odd).intoArray(lanes, 0);
                s = VectorPolicy.laneSum(lanes);
            }
            long row = (long) o * in;
            for (int i = done; i < in; i++) s = Math.fma(dtype.get(w, row + i), x[xOff + i], s);
            y[yOff + o] = s;
        }
    }

    /**
     * {@link #rowsDot} for F16 weights: each row widened into an fp32 tile first, then one FMA chain
     * over its whole vectors, the lanes' sum and the tail, the order of the fp32 path.
     */
    private void rowsDotF16(float[] x, int xOff, float[] y, int yOff, int from, int to) {
        int bound = VectorPolicy.loopBound(in);
        float[] t = tile(in), lanes = new float[L];
        for (int o = from; o < to; o++) {
            widen((long) o * in, in, t, 0);
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < bound; i += L) acc = FloatVector.fromArray(F, t, i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
            float s = 0;
            if (bound > 0) {
                acc.intoArray(lanes, 0);
                s = VectorPolicy.laneSum(lanes);
            }
            for (int i = bound; i < in; i++) s = Math.fma(t[i], x[xOff + i], s);
            y[yOff + o] = s;
        }
    }

    /** The lanes of acc summed in the fixed order, then the row's scalar tail. */
    private float finish(FloatVector acc, float[] lanes, long row, int bound, float[] x, int xOff) {
        float s = 0;
        if (bound > 0) {
            acc.intoArray(lanes, 0);
            s = VectorPolicy.laneSum(lanes);
        }
        for (int i = bound; i < in; i++) s = Math.fma(dtype.get(w, row + i), x[xOff + i], s);
        return s;
    }

    /**
     * Rows [rowFrom, rowTo) of an [in, out] matrix into y: y[o] = Σ_i x_i·W[i, o], i ascending, one
     * fused multiply-add per term. The rows are one contiguous stretch of memory read in order, so
     * the weights stream; y (one row wide) stays in L1.
     */
    private void columnsAxpy(float[] x, int xOff, float[] y, int yOff, int rowFrom, int rowTo) {
        if (dtype == DType.F16 && !VectorPolicy.SCALAR) {
            columnsAxpyF16(x, xOff, y, yOff, rowFrom, rowTo);
            return;
        }
        int vec = VectorPolicy.SCALAR ? 0 : out / L * L;
        java.util.Arrays.fill(y, yOff, yOff + out, 0f);
        int i = rowFrom;
        // Four rows per pass over y: one load and one store of y per four FMAs, in the same i order.
        for (; i + 4 <= rowTo; i += 4) {
            FloatVector x0 = FloatVector.broadcast(F, x[xOff + i]), x1 = FloatVector.broadcast(F, x[xOff + i + 1]);
            FloatVector x2 = FloatVector.broadcast(F, x[xOff + i + 2]), x3 = FloatVector.broadcast(F, x[xOff + i + 3]);
            long r0 = (long) i * out, r1 = r0 + out, r2 = r1 + out, r3 = r2 + out;
            for (int c = 0; c < vec; c += L) {
                FloatVector acc = FloatVector.fromArray(F, y, yOff + c);
                acc = load(r0 + c).fma(x0, acc);
                acc = load(r1 + c).fma(x1, acc);
                acc = load(r2 + c).fma(x2, acc);
                acc = load(r3 + c).fma(x3, acc);
                acc.intoArray(y, yOff + c);
            }
            for (int c = vec; c < out; c++) {
                float acc = y[yOff + c];
                acc = Math.fma(dtype.get(w, r0 + c), x[xOff + i], acc);
                acc = Math.fma(dtype.get(w, r1 + c), x[xOff + i + 1], acc);
                acc = Math.fma(dtype.get(w, r2 + c), x[xOff + i + 2], acc);
                acc = Math.fma(dtype.get(w, r3 + c), x[xOff + i + 3], acc);
                y[yOff + c] = acc;
            }
        }
        for (; i < rowTo; i++) {
            float xi = x[xOff + i];
            FloatVector xv = FloatVector.broadcast(F, xi);
            long row = (long) i * out;
            for (int c = 0; c < vec; c += L) {
                load(row + c).fma(xv, FloatVector.fromArray(F, y, yOff + c)).intoArray(y, yOff + c);
            }
            for (int c = vec; c < out; c++) y[yOff + c] = Math.fma(dtype.get(w, row + c), xi, y[yOff + c]);
        }
    }

    /**
     * {@link #columnsAxpy} for F16 weights: each group of four rows is first widened into a small
     * fp32 tile ({@link #widen}), then added into y exactly as the fp32 path does (the same
     * fused multiply-adds in the same order). Widening inside the FMA loop left the conversion
     * uninlined there and its vectors boxed (3-4x more young collections than BF16 while decoding).
     */
    private void columnsAxpyF16(float[] x, int xOff, float[] y, int yOff, int rowFrom, int rowTo) {
        int vec = out / L * L;
        float[] t = tile(4 * out);
        java.util.Arrays.fill(y, yOff, yOff + out, 0f);
        int i = rowFrom;
        for (; i + 4 <= rowTo; i += 4) {
            widen((long) i * out, 4 * out, t, 0);
            FloatVector x0 = FloatVector.broadcast(F, x[xOff + i]), x1 = FloatVector.broadcast(F, x[xOff + i + 1]);
            FloatVector x2 = FloatVector.broadcast(F, x[xOff + i + 2]), x3 = FloatVector.broadcast(F, x[xOff + i + 3]);
            for (int c = 0; c < vec; c += L) {
                FloatVector acc = FloatVector.fromArray(F, y, yOff + c);
                acc = FloatVector.fromArray(F, t, c).fma(x0, acc);
                acc = FloatVector.fromArray(F, t, out + c).fma(x1, acc);
                acc = FloatVector.fromArray(F, t, 2 * out + c).fma(x2, acc);
                acc = FloatVector.fromArray(F, t, 3 * out + c).fma(x3, acc);
                acc.intoArray(y, yOff + c);
            }
            for (int c = vec; c < out; c++) {
                float acc = y[yOff + c];
                acc = Math.fma(t[c], x[xOff + i], acc);
                acc = Math.fma(t[out + c], x[xOff + i + 1], acc);
                acc = Math.fma(t[2 * out + c], x[xOff + i + 2], acc);
                acc = Math.fma(t[3 * out + c], x[xOff + i + 3], acc);
                y[yOff + c] = acc;
            }
        }
        for (; i < rowTo; i++) {
            widen((long) i * out, out, t, 0);
            float xi = x[xOff + i];
            FloatVector xv = FloatVector.broadcast(F, xi);
            for (int c = 0; c < vec; c += L) FloatVector.fromArray(F, t, c).fma(xv, FloatVector.fromArray(F, y, yOff + c)).intoArray(y, yOff + c);
            for (int c = vec; c < out; c++) y[yOff + c] = Math.fma(t[c], xi, y[yOff + c]);
        }
    }

    /** count weights from element index, widened to fp32 into dst[off, off + count): F16 and BF16 in vectors. */
    private void widen(long index, int count, float[] dst, int off) {
        if (dtype == DType.F32) {
            dtype.read(w, index, dst, off, count);
            return;
        }
        int vec = count / L * L, k = 0;
        for (; k < vec; k += L) load(index + k).intoArray(dst, off + k);
        for (; k < count; k++) dst[off + k] = dtype.get(w, index + k);
    }

    /** L consecutive weights starting at element index, widened to fp32. */
    private FloatVector load(long index) {
        return switch (dtype) {
            case F32 -> FloatVector.fromMemorySegment(F, w, index * 4, LE);
            case BF16 -> ((IntVector) ShortVector.fromMemorySegment(HALF, w, index * 2, LE).convertShape(VectorOperators.S2I, INTS, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            case F16 -> halfToFloat(ShortVector.fromMemorySegment(HALF, w, index * 2, LE));
        };
    }

    /**
     * IEEE half floats to fp32 in vector registers, equal to {@link Float#float16ToFloat} for every
     * input: the 15 magnitude bits moved to fp32's exponent/mantissa position give 2^-112 times the
     * value for normals and subnormals alike, so one exact multiplication by 2^112 fixes the exponent;
     * infinities and NaNs (exponent 31) take fp32's all-ones exponent with their payload (NaNs made
     * quiet, as {@link Float#float16ToFloat} does); then the sign.
     */
    static FloatVector halfToFloat(ShortVector h) {
        IntVector v = (IntVector) h.convertShape(VectorOperators.S2I, INTS, 0);
        IntVector magnitude = v.and(0x7fff), shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        bits = bits.blend(shifted.or(0x7f800000), magnitude.compare(VectorOperators.GE, 0x7c00));
        bits = bits.blend(bits.or(0x00400000), magnitude.compare(VectorOperators.GT, 0x7c00));   // NaNs come out quiet, as Java's do
        return bits.or(v.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }


    /** Each thread's widened tile, kept between calls: a prefill would otherwise allocate megabytes per projection. */
    private static final ThreadLocal<float[][]> TILE_BUFFER = ThreadLocal.withInitial(() -> new float[1][]);

    private static float[] tile(int floats) {
        float[][] holder = TILE_BUFFER.get();
        if (holder[0] == null || holder[0].length < floats) holder[0] = new float[floats];
        return holder[0];
    }

    /**
     * Many tokens: the outputs split into one contiguous block of columns per thread, each thread
     * widening its block of W into fp32, up to {@link #TILE_FLOATS} at a time, multiplying it with
     * {@link Gemm} on its own (a nested call stays on its thread) and adding the bias to its columns.
     * Widening in the threads that use the tile halves the time one thread spent copying the weights,
     * and keeps each tile in the cache of the core that packs it. Each output's sum runs in GEMM's
     * fixed k order, whatever the tile or the split.
     */
    private void gemm(float[] x, int tokens, float[] y) {
        if (2L * tokens * in * out < PARALLEL_FLOPS) {
            gemmColumns(x, tokens, y, 0, out);
            return;
        }
        int units = (out + COLUMN_UNIT - 1) / COLUMN_UNIT;
        Parallel.forRange(units, 1, (c, from, to) -> gemmColumns(x, tokens, y, from * COLUMN_UNIT, Math.min(out, to * COLUMN_UNIT)));
    }

    /** Outputs [o0, o1) of {@link #gemm}, on the calling thread. */
    private void gemmColumns(float[] x, int tokens, float[] y, int o0, int o1) {
        int tileRows = Math.max(TILE, Math.min(o1 - o0, TILE_FLOATS / in));
        float[] tile = tile(Math.min(tileRows, o1 - o0) * in);
        for (int o = o0; o < o1; o += tileRows) {
            int n = Math.min(tileRows, o1 - o);
            if (layout == Layout.OUT_IN) {
                widen((long) o * in, n * in, tile, 0);
                Gemm.gemm(false, true, tokens, n, in, x, 0, in, tile, 0, in, false, y, o, out);
            } else {
                for (int i = 0; i < in; i++) widen((long) i * out + o, n, tile, i * n);
                Gemm.gemm(false, false, tokens, n, in, x, 0, in, tile, 0, n, false, y, o, out);
            }
        }
        if (bias != null) {
            for (int t = 0; t < tokens; t++) Elementwise.binary(Elementwise.Op.ADD, y, t * out + o0, bias, o0, y, t * out + o0, o1 - o0);
        }
    }
}
