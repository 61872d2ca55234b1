package jprune.deploy.format;

import jprune.tensor.VectorPolicy;

/**
 * Sliced ELLPACK in column panels ("sell"): rows in slices of L (the vector width in floats, one row
 * per lane), columns in panels of 2L. Within each slice and panel, step k holds every row's k-th
 * nonzero in that panel: L values (fp32, or int8 with a scale per row, {@link Int8Rows}) and L
 * one-byte columns within the panel; a row with fewer nonzeros there than the slice's busiest row
 * gets zero weights (at the panel's first column). The steps of slice s, panel p are
 * stepStart[s·panels + p] to stepStart[s·panels + p + 1].
 *
 * <p>What it is for: the matrix-vector product of a layer whose weights stay in cache (the
 * reference models' layers), where CSR pays a vector gather per L nonzeros; here a step is a
 * permute from two registers ({@link SlicedEllKernels}). What it costs: the padding. At 10% density
 * a slice's busiest row holds about twice the average in a 32-column panel, so a step's lanes are
 * about half real (0.49 at 300×784, 0.27 at 2%), and a nonzero takes about 10 bytes (fp32) where CSR
 * takes 6: a layer streamed from memory is faster in CSR. {@link #bytes} counts the padding, since
 * the product reads it. Batched products run from a CSR copy of the rows ({@link CsrMatrix}), also
 * counted in {@link #bytes}. The layout depends on L, so the sums' order (and their last bits) does
 * too, as with every format.
 *
 * <p>Built from a dense array, every w ≠ 0 is kept; −0.0 counts as zero. As with CSR's padding, the
 * zero weights add nothing to a product with finite inputs.
 */
public final class SlicedEllMatrix extends StoredValues implements RowRangeProduct {
    /** Rows per slice (and lanes per step), fixed when the matrix was built. */
    private final int lanes;
    private final int slices, panels;
    private final int[] stepStart;
    /** Each slice's first step: sliceStart[s] = stepStart[s·panels], slices + 1 of them. */
    private final int[] sliceStart;
    /** Column within its panel of every slot, with a vector of slack for the byte loads. */
    private final byte[] columns;
    /**
     * The same weights as CSR rows, for batched products. A batch meets each weight with a run of
     * samples, so the slices' one-permute trick buys nothing there, and decoding a slice's rows from
     * its slots on every call made lenet-300-100's fc1 (8% dense, batch 64, one thread) take 78 µs
     * against CSR's 48.
     */
    private final CsrMatrix batchRows;
    /** Scales padded to whole slices (int8), or null. */
    private final float[] paddedScales;
    private final long nonzeros;

    private SlicedEllMatrix(int rows, int cols, int lanes, int[] stepStart, byte[] columns, float[] values,
                            byte[] quantized, float[] scales, long nonzeros, CsrMatrix batchRows) {
        super(rows, cols, values, quantized, scales);
        this.lanes = lanes;
        this.slices = ceilDiv(rows, lanes);
        this.panels = ceilDiv(cols, 2 * lanes);
        this.stepStart = stepStart;
        this.sliceStart = new int[slices + 1];
        for (int s = 0; s <= slices; s++) sliceStart[s] = stepStart[s * panels];
        this.columns = columns;
        this.batchRows = batchRows;
        this.paddedScales = scales == null ? null : java.util.Arrays.copyOf(scales, slices * lanes);
        this.nonzeros = nonzeros;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** fp32 sliced ELL of a dense row-major array. */
    public static SlicedEllMatrix of(float[] dense, int rows, int cols) {
        return build(dense, rows, cols, false);
    }

    /** Int8 sliced ELL of a dense row-major array: the fp32 nonzeros, quantized per row. */
    public static SlicedEllMatrix int8(float[] dense, int rows, int cols) {
        return build(dense, rows, cols, true);
    }

    private static SlicedEllMatrix build(float[] dense, int rows, int cols, boolean int8) {
        FormatChecks.dense(dense, rows, cols);
        int lanes = FormatSpecies.L, width = 2 * lanes;
        int slices = ceilDiv(rows, lanes), panels = ceilDiv(cols, width);
        float[] s = int8 ? Int8Rows.scales(dense, rows, cols) : null;
        // Steps of each (slice, panel): its busiest row's nonzeros in the panel.
        int[] stepStart = new int[slices * panels + 1];
        long steps = 0, nnz = 0;
        for (int sl = 0; sl < slices; sl++) {
            for (int p = 0; p < panels; p++) {
                int most = 0;
                for (int r = sl * lanes; r < Math.min(rows, sl * lanes + lanes); r++) {
                    int n = 0;
                    for (int c = p * width, i = r * cols + c; c < Math.min(cols, p * width + width); c++, i++) if (dense[i] != 0) n++;
                    most = Math.max(most, n);
                    nnz += n;
                }
                stepStart[sl * panels + p] = (int) steps;
                steps += most;
                if (steps * lanes > FormatChecks.MAX_ARRAY - lanes)
                    throw new IllegalArgumentException("a sliced-ELL " + FormatChecks.shape(rows, cols) + " matrix would need more than "
                            + FormatChecks.MAX_ARRAY + " slots, more than one array holds");
            }
        }
        stepStart[slices * panels] = (int) steps;
        int slots = (int) steps * lanes;
        byte[] col = new byte[slots + lanes];
        float[] v = int8 ? null : new float[slots];
        byte[] q = int8 ? new byte[slots] : null;
        for (int sl = 0; sl < slices; sl++) {
            for (int p = 0; p < panels; p++) {
                int first = stepStart[sl * panels + p];
                for (int r = sl * lanes; r < Math.min(rows, sl * lanes + lanes); r++) {
                    int k = first, lane = r - sl * lanes;
                    for (int c = p * width, i = r * cols + c; c < Math.min(cols, p * width + width); c++, i++) {
                        if (dense[i] == 0) continue;
                        int at = k++ * lanes + lane;
                        col[at] = (byte) (c - p * width);
                        if (int8) q[at] = Int8Rows.quantize(dense[i], s[r]);
                        else v[at] = dense[i];
                    }
                }
            }
        }
        return new SlicedEllMatrix(rows, cols, lanes, stepStart, col, v, q, s, nnz,
                int8 ? CsrMatrix.int8(dense, rows, cols) : CsrMatrix.of(dense, rows, cols));
    }

    @Override
    public String format() {
        return named("sell");
    }

    @Override
    public long nonzeros() {
        return nonzeros;
    }

    /** Slots (steps × lanes), padding included: what the matrix-vector product reads. */
    public long slots() {
        return (long) sliceStart[slices] * lanes;
    }

    @Override
    public long bytes() {
        long slots = slots();
        return slots * (isInt8() ? 2 : 5) + 4L * stepStart.length + (isInt8() ? 4L * rows : 0) + batchRows.bytes();
    }

    /** What one slot of the matrix-vector product costs, in multiply-adds of a dense product: a permute and an FMA, about one. */
    private long vectorWork() {
        return slots() + (long) slices * panels;
    }

    @Override
    public void multiplyVector(float[] x, float[] y) {
        FormatChecks.product(this, x, 1, y);
        if (scalarOnly()) {
            ScalarProducts.multiply(this, x, 1, y);
            return;
        }
        float[] xp = paddedX(x);
        RowChunks.vector(slices, sliceStart, vectorWork(), lanes, rows, y, (out, from, to) ->
                SlicedEllKernels.gemv(stepStart, panels, columns, values, quantized, paddedScales, xp, out, from, to, 0, rows,
                        Scratch.get().lanes));
    }

    @Override
    public void multiplyVectorRows(float[] x, float[] y, int from, int to) {
        if (ScalarProducts.rowRange(this, x, y, from, to)) return;
        if (from == to) return;
        if (scalarOnly()) {
            SlicedEllKernels.gemvScalar(stepStart, panels, lanes, columns, weights(), scales, x, cols, y, from, to);
            return;
        }
        SlicedEllKernels.gemv(stepStart, panels, columns, values, quantized, paddedScales, paddedX(x), y, from / lanes,
                ceilDiv(to, lanes), from, to, Scratch.get().lanes);
    }

    /** The vector kernels need byte vectors of L lanes (L ≥ 8); else (scalar policy, 128-bit vectors) the scalar reference computes the product. */
    private static boolean scalarOnly() {
        return VectorPolicy.SCALAR || !FormatSpecies.INT8_VECTORS;
    }

    /** x copied into whole panels (zeros past the last column), in the calling thread's scratch. */
    private float[] paddedX(float[] x) {
        float[] xp = Scratch.get().floats(panels * 2 * lanes);
        System.arraycopy(x, 0, xp, 0, cols);
        java.util.Arrays.fill(xp, cols, panels * 2 * lanes, 0f);
        return xp;
    }

    @Override
    public void multiplyBatch(float[] x, int batch, float[] y) {
        FormatChecks.product(this, x, batch, y);
        if (batch == 1) {
            multiplyVector(x, y);
            return;
        }
        if (VectorPolicy.SCALAR) {
            ScalarProducts.multiply(this, x, batch, y);
            return;
        }
        batchRows.multiplyBatch(x, batch, y);
    }

    /** The stored weights as floats (int8 widened), slot by slot, for the scalar references. */
    float[] weights() {
        if (values != null) return values;
        float[] f = new float[quantized.length];
        for (int i = 0; i < f.length; i++) f[i] = quantized[i];
        return f;
    }

    @Override
    public float[] toDense() {
        float[] d = new float[FormatChecks.denseSize(rows, cols)];
        int width = 2 * lanes;
        for (int s = 0; s < slices; s++) {
            for (int p = 0; p < panels; p++) {
                for (int st = stepStart[s * panels + p]; st < stepStart[s * panels + p + 1]; st++) {
                    for (int lane = 0; lane < lanes && s * lanes + lane < rows; lane++) {
                        int at = st * lanes + lane, r = s * lanes + lane;
                        float w = isInt8() ? Int8Rows.dequantize(quantized[at], scales[r]) : values[at];
                        if (w != 0) d[r * cols + p * width + columns[at]] = w;   // padding is zero: skip it
                    }
                }
            }
        }
        return d;
    }

    int lanes() {
        return lanes;
    }

    int panels() {
        return panels;
    }

    int[] stepStartView() {
        return stepStart;
    }

    byte[] columnsView() {
        return columns;
    }

    @Override
    public String toString() {
        return format() + " " + FormatChecks.shape(rows, cols) + ", " + nonzeros() + " nonzeros in " + slots() + " slots";
    }
}
