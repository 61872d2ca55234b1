package jprune.deploy.format;

import jprune.tensor.VectorPolicy;

/**
 * Sliced ELLPACK in column panels ("sell"): rows in slices of L (the vector width in floats, one row
 * per lane), columns in panels of 2L. Within each window of {@value #WINDOW_SLICES} slices the rows
 * are sorted by their number of nonzeros (most first, ties by index) before they are cut into
 * slices, so a slice's rows are alike in length (the σ of SELL-C-σ): a magnitude-pruned
 * lenet-300-100 fc1, whose rows keep from few to many weights, fills 0.41 of its slots sorted and
 * 0.30 unsorted. Within each slice and panel, step k holds every row's k-th nonzero in that panel:
 * L values (fp32, or int8 with a scale per row, {@link Int8Rows}) and L one-byte columns within the
 * panel; a row with fewer nonzeros there than the slice's busiest row gets zero weights (at the
 * panel's first column). The steps of slice s, panel p are stepStart[s·panels + p] to
 * stepStart[s·panels + p + 1].
 *
 * <p>What it is for: the matrix-vector product of a layer whose weights stay in cache (the
 * reference models' layers), where CSR pays a vector gather per L nonzeros; here a step is a
 * permute from two registers ({@link SlicedEllKernels}). What it costs: the padding. At 10% density
 * a slice's busiest row holds about twice the average in a 32-column panel, so a step's lanes are
 * about half real (random masks: 0.49 at 300×784, 0.27 at 2%), and a nonzero takes about 10 bytes (fp32) where CSR
 * takes 6: a layer streamed from memory is faster in CSR. {@link #bytes} counts the padding, since
 * the product reads it. Batched products run from a CSR copy of the rows ({@link CsrMatrix}), also
 * counted in {@link #bytes}. The layout depends on L, so the sums' order (and their last bits) does
 * too, as with every format.
 *
 * <p>Built from a dense array, every w ≠ 0 is kept; −0.0 counts as zero. As with CSR's padding, the
 * zero weights add nothing to a product with finite inputs.
 */
public final class SlicedEllMatrix extends StoredValues implements RowRangeProduct {
    /** Slices per window: rows are sorted by length within a window (WINDOW_SLICES × L rows). */
    static final int WINDOW_SLICES = 8;
    /** Rows per slice (and lanes per step), fixed when the matrix was built. */
    private final int lanes;
    /** The row in each lane: order[s·lanes + l] (−1 past the last row), and its inverse, position[row]. */
    private final int[] order, position;
    /** Each window's first step: windowStart[w] = stepStart[min(w·WINDOW_SLICES, slices)·panels]. */
    private final int[] windowStart;
    private final int windows;
    private final int slices, panels;
    private final int[] stepStart;
    /** Column within its panel of every slot, with a vector of slack for the byte loads. */
    private final byte[] columns;
    /**
     * The same weights as CSR rows, for batched products. A batch meets each weight with a run of
     * samples, so the slices' one-permute trick buys nothing there, and decoding a slice's rows from
     * its slots on every call made lenet-300-100's fc1 (8% dense, batch 64, one thread) take 78 µs
     * against CSR's 48.
     */
    private final CsrMatrix batchRows;
    /** Scales by lane, like {@link #order} (0 where no row), for the int8 kernel; or null. */
    private final float[] laneScales;
    private final long nonzeros;

    private SlicedEllMatrix(int rows, int cols, int lanes, int[] order, int[] stepStart, byte[] columns, float[] values,
                            byte[] quantized, float[] scales, long nonzeros, CsrMatrix batchRows) {
        super(rows, cols, values, quantized, scales);
        this.lanes = lanes;
        this.order = order;
        this.position = new int[rows];
        for (int i = 0; i < order.length; i++) if (order[i] >= 0) position[order[i]] = i;
        this.slices = Math.ceilDiv(rows, lanes);
        this.panels = Math.ceilDiv(cols, 2 * lanes);
        this.stepStart = stepStart;
        this.windows = Math.ceilDiv(slices, WINDOW_SLICES);
        this.windowStart = new int[windows + 1];
        for (int w = 0; w <= windows; w++) windowStart[w] = stepStart[Math.min(w * WINDOW_SLICES, slices) * panels];
        this.columns = columns;
        this.batchRows = batchRows;
        if (scales == null) {
            this.laneScales = null;
        } else {
            this.laneScales = new float[order.length];
            for (int i = 0; i < order.length; i++) laneScales[i] = order[i] >= 0 ? scales[order[i]] : 0f;
        }
        this.nonzeros = nonzeros;
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
        int slices = Math.ceilDiv(rows, lanes), panels = Math.ceilDiv(cols, width);
        float[] s = int8 ? Int8Rows.scales(dense, rows, cols) : null;
        int[] order = order(dense, rows, cols, lanes, slices);
        // Steps of each (slice, panel): its busiest row's nonzeros in the panel.
        int[] stepStart = new int[slices * panels + 1];
        long steps = 0, nnz = 0;
        for (int sl = 0; sl < slices; sl++) {
            for (int p = 0; p < panels; p++) {
                int most = 0;
                for (int lane = 0; lane < lanes; lane++) {
                    int r = order[sl * lanes + lane];
                    if (r < 0) continue;
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
                for (int lane = 0; lane < lanes; lane++) {
                    int r = order[sl * lanes + lane], k = first;
                    if (r < 0) continue;
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
        return new SlicedEllMatrix(rows, cols, lanes, order, stepStart, col, v, q, s, nnz,
                int8 ? CsrMatrix.int8(dense, rows, cols) : CsrMatrix.of(dense, rows, cols));
    }

    /**
     * The row in each lane: within each window of WINDOW_SLICES slices, the window's rows by number of
     * nonzeros, most first (ties by index); −1 for the lanes past the last row.
     */
    private static int[] order(float[] dense, int rows, int cols, int lanes, int slices) {
        int[] count = new int[rows];
        for (int r = 0; r < rows; r++) for (int i = r * cols, end = i + cols; i < end; i++) if (dense[i] != 0) count[r]++;
        int[] order = new int[slices * lanes];
        java.util.Arrays.fill(order, -1);
        int window = WINDOW_SLICES * lanes;
        for (int w0 = 0; w0 < rows; w0 += window) {
            int n = Math.min(window, rows - w0);
            Integer[] rs = new Integer[n];
            for (int i = 0; i < n; i++) rs[i] = w0 + i;
            java.util.Arrays.sort(rs, (a, b) -> count[a] != count[b] ? Integer.compare(count[b], count[a]) : Integer.compare(a, b));
            for (int i = 0; i < n; i++) order[w0 + i] = rs[i];
        }
        return order;
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
        return (long) stepStart[slices * panels] * lanes;
    }

    @Override
    public long bytes() {
        long slots = slots();
        return slots * (isInt8() ? 2 : 5) + 4L * stepStart.length + 4L * order.length + (isInt8() ? 4L * rows : 0) + batchRows.bytes();
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
        int windowRows = WINDOW_SLICES * lanes;
        // Shared out by windows: a window holds exactly its own rows, in some order.
        RowChunks.vector(windows, windowStart, vectorWork(), windowRows, rows, y, (out, from, to) ->
                SlicedEllKernels.gemv(stepStart, panels, order, columns, values, quantized, laneScales, xp, out,
                        from * WINDOW_SLICES, Math.min(slices, to * WINDOW_SLICES), from * windowRows, Math.min(rows, to * windowRows),
                        Scratch.get().lanes));
    }

    @Override
    public void multiplyVectorRows(float[] x, float[] y, int from, int to) {
        if (ScalarProducts.rowRange(this, x, y, from, to)) return;
        if (from == to) return;
        if (scalarOnly()) {
            SlicedEllKernels.gemvScalar(stepStart, panels, lanes, position, columns, weights(), scales, x, cols, y, from, to);
            return;
        }
        int windowRows = WINDOW_SLICES * lanes;
        SlicedEllKernels.gemv(stepStart, panels, order, columns, values, quantized, laneScales, paddedX(x), y,
                from / windowRows * WINDOW_SLICES, Math.min(slices, Math.ceilDiv(to, windowRows) * WINDOW_SLICES), from, to, Scratch.get().lanes);
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
        return values != null ? values : ScalarProducts.widen(quantized);
    }

    @Override
    public float[] toDense() {
        float[] d = new float[FormatChecks.denseSize(rows, cols)];
        int width = 2 * lanes;
        for (int s = 0; s < slices; s++) {
            for (int p = 0; p < panels; p++) {
                for (int st = stepStart[s * panels + p]; st < stepStart[s * panels + p + 1]; st++) {
                    for (int lane = 0; lane < lanes; lane++) {
                        int at = st * lanes + lane, r = order[s * lanes + lane];
                        if (r < 0) continue;
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

    int[] orderView() {
        return order;
    }

    int[] positionView() {
        return position;
    }

    byte[] columnsView() {
        return columns;
    }

    @Override
    public String toString() {
        return format() + " " + FormatChecks.shape(rows, cols) + ", " + nonzeros() + " nonzeros in " + slots() + " slots";
    }
}
