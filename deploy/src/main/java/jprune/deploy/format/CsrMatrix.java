package jprune.deploy.format;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import jprune.tensor.VectorPolicy;

/**
 * Compressed sparse rows: row pointers (int, rows + 1 of them), column indices in 16 bits (char)
 * when cols ≤ 65536 and in 32 bits otherwise, and the nonzero values in row-major order, fp32 or
 * per-row int8 ({@link Int8Rows}). Columns are strictly increasing within a row. Stores 6 bytes per
 * nonzero (fp32) or 3 (int8), so it beats dense fp32 on bytes below about 2/3 density. In memory each
 * row is padded to whole vectors for the kernels (at most L − 1 entries a row; {@link #bytes} and
 * every accessor describe the plain CSR arrays).
 *
 * <p>Built from a dense array, every nonzero (w ≠ 0, NaN included) is stored; −0.0 counts as zero, so
 * a round trip is exact up to the sign of zero.
 */
public final class CsrMatrix extends StoredValues implements RowRangeProduct {
    /** Widest matrix whose column indices fit 16 bits. */
    public static final int NARROW_MAX_COLS = 1 << 16;

    /** Row pointers as the format defines them: row r holds nonzeros rowPtr[r] to rowPtr[r + 1]. */
    private final int[] rowPtr;
    /**
     * Where each row starts in the arrays below: every row is stored padded with zero weights (at its
     * last column) to a multiple of the kernels' vector width, so the matrix-vector kernels run whole
     * vectors only, with no scalar tail per row. Row r's nonzeros are the first rowPtr[r + 1] − rowPtr[r]
     * entries from start[r]; the padding is invisible outside the kernels (accessors return the plain
     * CSR arrays, {@link #bytes} counts them), and it adds nothing to any product with finite inputs.
     */
    private final int[] start;
    private final char[] narrow;
    private final int[] wide;
    /** Most entries of any row, padding included (the batch kernels' scratch size). */
    private final int maxRowEntries;

    private CsrMatrix(int rows, int cols, int[] rowPtr, int[] start, char[] narrow, int[] wide,
                      float[] values, byte[] quantized, float[] scales) {
        super(rows, cols, values, quantized, scales);
        this.rowPtr = rowPtr;
        this.start = start;
        this.narrow = narrow;
        this.wide = wide;
        int max = 0;
        for (int r = 0; r < rows; r++) max = Math.max(max, start[r + 1] - start[r]);
        this.maxRowEntries = max;
    }

    /**
     * What one stored entry of the matrix-vector product costs, in multiply-adds of a dense product
     * (the unit of {@link RowChunks#PARALLEL_WORK}): its x is gathered. Measured on the 2-core Zen 5
     * VM (2026-12-04, one thread): 0.29-0.34 ns an entry in 16-lane gathers against 0.065 ns a
     * multiply-add of a dense 1000×1000 product in cache. Counting an entry as one multiply-add kept
     * 4096×4096 at 5% density (0.85 million entries) on one thread: 0.34 ms, against 0.18 ms split.
     */
    private static final int GATHER_WORK = 4;

    /** Lays plain CSR arrays (exactly one of narrow and wide, one of values and quantized) out padded. */
    private static CsrMatrix padded(int rows, int cols, int[] rp, char[] narrow, int[] wide, float[] values, byte[] quantized,
                                    float[] scales) {
        int lanes = FormatSpecies.L;
        int[] start = new int[rows + 1];
        for (int r = 0; r < rows; r++) start[r + 1] = start[r] + (rp[r + 1] - rp[r] + lanes - 1) / lanes * lanes;
        int n = start[rows];
        char[] pn = narrow != null ? new char[n] : null;
        int[] pw = wide != null ? new int[n] : null;
        float[] pv = values != null ? new float[n] : null;
        byte[] pq = quantized != null ? new byte[n] : null;
        if (pn != null) copyRows(rows, rp, narrow, rp, pn, start);
        if (pw != null) copyRows(rows, rp, wide, rp, pw, start);
        if (pv != null) copyRows(rows, rp, values, rp, pv, start);
        if (pq != null) copyRows(rows, rp, quantized, rp, pq, start);
        // padding: zero weights at the row's last column (x there is already in cache)
        for (int r = 0; r < rows; r++) {
            for (int k = start[r] + rp[r + 1] - rp[r]; k < start[r + 1]; k++) {
                if (pn != null) pn[k] = narrow[rp[r + 1] - 1];
                if (pw != null) pw[k] = wide[rp[r + 1] - 1];
            }
        }
        return new CsrMatrix(rows, cols, rp, start, pn, pw, pv, pq, scales);
    }

    /** Copies every row's nonzeros (counted by rp) from src at srcStart[r] to dst at dstStart[r]; arrays of any element type. */
    private static void copyRows(int rows, int[] rp, Object src, int[] srcStart, Object dst, int[] dstStart) {
        for (int r = 0; r < rows; r++) System.arraycopy(src, srcStart[r], dst, dstStart[r], rp[r + 1] - rp[r]);
    }

    /** fp32 CSR of a dense row-major array. */
    public static CsrMatrix of(float[] dense, int rows, int cols) {
        return build(dense, rows, cols, false);
    }

    /** Int8 CSR of a dense row-major array: the fp32 nonzeros, quantized per row. */
    public static CsrMatrix int8(float[] dense, int rows, int cols) {
        return build(dense, rows, cols, true);
    }

    private static CsrMatrix build(float[] dense, int rows, int cols, boolean int8) {
        FormatChecks.dense(dense, rows, cols);
        float[] s = int8 ? Int8Rows.scales(dense, rows, cols) : null;
        int[] rp = new int[rows + 1];
        for (int r = 0; r < rows; r++) {
            int n = 0;
            for (int i = r * cols, end = i + cols; i < end; i++) if (dense[i] != 0) n++;
            rp[r + 1] = rp[r] + n;
        }
        int nnz = rp[rows];
        boolean isNarrow = cols <= NARROW_MAX_COLS;
        char[] nc = isNarrow ? new char[nnz] : null;
        int[] wc = isNarrow ? null : new int[nnz];
        float[] v = int8 ? null : new float[nnz];
        byte[] q = int8 ? new byte[nnz] : null;
        for (int r = 0, k = 0; r < rows; r++) {
            for (int c = 0, i = r * cols; c < cols; c++, i++) {
                float w = dense[i];
                if (w == 0) continue;
                if (isNarrow) nc[k] = (char) c;
                else wc[k] = c;
                if (int8) q[k] = Int8Rows.quantize(w, s[r]);
                else v[k] = w;
                k++;
            }
        }
        return padded(rows, cols, rp, nc, wc, v, q, s);
    }

    /** From raw fp32 arrays (copied after validation), e.g. as read from a file. */
    public static CsrMatrix fromArrays(int rows, int cols, int[] rowPointers, int[] columnIndices, float[] values) {
        Objects.requireNonNull(values, "values");
        check(rows, cols, rowPointers, columnIndices, null, values.length);
        return padded(rows, cols, rowPointers.clone(), narrowOrNull(cols, columnIndices),
                cols <= NARROW_MAX_COLS ? null : columnIndices, values, null, null);
    }

    /** From raw fp32 arrays with 16-bit column indices (copied after validation). */
    public static CsrMatrix fromArrays(int rows, int cols, int[] rowPointers, char[] columnIndices, float[] values) {
        Objects.requireNonNull(values, "values");
        check(rows, cols, rowPointers, null, columnIndices, values.length);
        return padded(rows, cols, rowPointers.clone(), narrowOrNull(cols, columnIndices),
                wideOrNull(cols, columnIndices), values, null, null);
    }

    /** From raw int8 arrays and per-row scales (copied after validation). */
    public static CsrMatrix fromInt8Arrays(int rows, int cols, int[] rowPointers, int[] columnIndices,
                                           byte[] quantized, float[] scales) {
        Int8Rows.checkQuantized(quantized);
        Int8Rows.checkScales(scales, rows);
        check(rows, cols, rowPointers, columnIndices, null, quantized.length);
        return padded(rows, cols, rowPointers.clone(), narrowOrNull(cols, columnIndices),
                cols <= NARROW_MAX_COLS ? null : columnIndices, null, quantized, scales.clone());
    }

    /** From raw int8 arrays with 16-bit column indices and per-row scales (copied after validation). */
    public static CsrMatrix fromInt8Arrays(int rows, int cols, int[] rowPointers, char[] columnIndices,
                                           byte[] quantized, float[] scales) {
        Int8Rows.checkQuantized(quantized);
        Int8Rows.checkScales(scales, rows);
        check(rows, cols, rowPointers, null, columnIndices, quantized.length);
        return padded(rows, cols, rowPointers.clone(), narrowOrNull(cols, columnIndices),
                wideOrNull(cols, columnIndices), null, quantized, scales.clone());
    }

    /** Checks row pointers and exactly one of the two index arrays against each other and the shape. */
    private static void check(int rows, int cols, int[] rp, int[] wideIdx, char[] narrowIdx, int valueCount) {
        FormatChecks.dims(rows, cols);
        Objects.requireNonNull(rp, "rowPointers");
        int nnz = wideIdx != null ? wideIdx.length : Objects.requireNonNull(narrowIdx, "columnIndices").length;
        FormatChecks.length("rowPointers", rp.length, rows + 1L);
        if (rp[0] != 0) throw new IllegalArgumentException("rowPointers[0] must be 0, got " + rp[0]);
        for (int r = 0; r < rows; r++) {
            if (rp[r + 1] < rp[r])
                throw new IllegalArgumentException("rowPointers must not decrease: row " + r + " runs from " + rp[r] + " to " + rp[r + 1]);
        }
        if (rp[rows] != nnz)
            throw new IllegalArgumentException("rowPointers end at " + rp[rows] + " but there are " + nnz + " column indices");
        if (valueCount != nnz)
            throw new IllegalArgumentException("there are " + nnz + " column indices but " + valueCount + " values");
        for (int r = 0; r < rows; r++) {
            int prev = -1;
            for (int k = rp[r]; k < rp[r + 1]; k++) {
                int c = wideIdx != null ? wideIdx[k] : narrowIdx[k];
                if (c < 0 || c >= cols)
                    throw new IllegalArgumentException("column index " + c + " at position " + k + " (row " + r + ") is outside [0, " + cols + ")");
                if (c <= prev)
                    throw new IllegalArgumentException("column indices of row " + r + " must be strictly increasing, got " + prev + " then " + c);
                prev = c;
            }
        }
    }

    private static char[] narrowOrNull(int cols, int[] idx) {
        if (cols > NARROW_MAX_COLS) return null;
        char[] n = new char[idx.length];
        for (int i = 0; i < idx.length; i++) n[i] = (char) idx[i];
        return n;
    }

    private static char[] narrowOrNull(int cols, char[] idx) {
        return cols <= NARROW_MAX_COLS ? idx : null;
    }

    private static int[] wideOrNull(int cols, char[] idx) {
        if (cols <= NARROW_MAX_COLS) return null;
        int[] w = new int[idx.length];
        for (int i = 0; i < idx.length; i++) w[i] = idx[i];
        return w;
    }

    /** Whether column indices are stored in 16 bits (cols ≤ {@value #NARROW_MAX_COLS}). */
    public boolean hasNarrowIndices() {
        return narrow != null;
    }

    /** A copy of the row pointers (rows + 1). */
    public int[] rowPointers() {
        return rowPtr.clone();
    }

    /** The column indices, widened to int (a copy, rowPointers()[rows] of them). */
    public int[] columnIndices() {
        int[] w = new int[rowPtr[rows]];
        if (wide != null) {
            copyRows(rows, rowPtr, wide, start, w, rowPtr);
        } else {
            char[] c = narrowColumnIndices();
            for (int k = 0; k < w.length; k++) w[k] = c[k];
        }
        return w;
    }

    /** A copy of the 16-bit column indices; only when {@link #hasNarrowIndices()}. */
    public char[] narrowColumnIndices() {
        if (narrow == null) throw new IllegalStateException(cols + " columns do not fit 16-bit indices: use columnIndices()");
        char[] c = new char[rowPtr[rows]];
        copyRows(rows, rowPtr, narrow, start, c, rowPtr);
        return c;
    }

    /** A copy of the fp32 nonzeros in row order (without the kernels' padding). */
    @Override
    public float[] values() {
        if (values == null) return super.values();
        float[] v = new float[rowPtr[rows]];
        copyRows(rows, rowPtr, values, start, v, rowPtr);
        return v;
    }

    /** A copy of the int8 nonzeros in row order (without the kernels' padding). */
    @Override
    public byte[] quantized() {
        if (quantized == null) return super.quantized();
        byte[] q = new byte[rowPtr[rows]];
        copyRows(rows, rowPtr, quantized, start, q, rowPtr);
        return q;
    }

    @Override
    public String format() {
        return named("csr");
    }

    @Override
    public long nonzeros() {
        return rowPtr[rows];
    }

    @Override
    public long bytes() {
        long nnz = rowPtr[rows];
        return 4L * (rows + 1) + nnz * (narrow != null ? 2 : 4) + (isInt8() ? nnz + 4L * rows : 4 * nnz);
    }

    @Override
    public void multiplyVector(float[] x, float[] y) {
        FormatChecks.product(this, x, 1, y);
        if (VectorPolicy.SCALAR) {
            ScalarProducts.multiply(this, x, 1, y);
            return;
        }
        RowChunks.vector(rows, start, ((long) start[rows] - start[0]) * GATHER_WORK + rows, 1, rows, y, (out, from, to) -> multiplyVectorRows(x, out, from, to));
    }

    /** Rows [from, to) of W·x with long rows taken {@code lockstep} at a time (fp32, 16-bit indices): for tests. */
    void multiplyVectorRows(float[] x, float[] y, int from, int to, int lockstep) {
        if (narrow == null || isInt8()) throw new IllegalStateException("fp32 with 16-bit indices only");
        CsrKernels.gemv(start, narrow, values, x, y, from, to, lockstep);
    }

    @Override
    public void multiplyVectorRows(float[] x, float[] y, int from, int to) {
        if (ScalarProducts.rowRange(this, x, y, from, to)) return;
        if (narrow != null) {
            if (isInt8()) CsrKernels.gemvInt8(start, narrow, quantized, scales, x, y, from, to);
            else CsrKernels.gemv(start, narrow, values, x, y, from, to);
        } else {
            CsrKernels.gemv(start, wide, values, quantized, scales, x, y, from, to);
        }
    }

    @Override
    public void multiplyBatch(float[] x, int batch, float[] y) {
        FormatChecks.product(this, x, batch, y);
        if (VectorPolicy.SCALAR) {
            ScalarProducts.multiply(this, x, batch, y);
            return;
        }
        if (batch == 1) {
            multiplyVector(x, y);
            return;
        }
        MemorySegment xa = SparseRowKernels.aligned(x, cols * batch);
        RowChunks.weighted(rows, start, batch, (from, to) ->
                CsrKernels.gemm(start, narrow, wide, values, quantized, scales, maxRowEntries, xa, batch, y, from, to));
    }

    @Override
    public float[] toDense() {
        float[] d = new float[FormatChecks.denseSize(rows, cols)];
        for (int r = 0; r < rows; r++) {
            for (int k = start[r], end = k + rowPtr[r + 1] - rowPtr[r]; k < end; k++) {
                int c = narrow != null ? narrow[k] : wide[k];
                d[r * cols + c] = isInt8() ? Int8Rows.dequantize(quantized[k], scales[r]) : values[k];
            }
        }
        return d;
    }

    /** The row pointers as the format defines them (not copied), for the scalar reference. */
    int[] rowPtrView() {
        return rowPtr;
    }

    @Override
    public String toString() {
        return format() + " " + FormatChecks.shape(rows, cols) + ", " + nonzeros() + " nonzeros";
    }
}
