package jprune.deploy.format;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import jprune.tensor.VectorPolicy;

/**
 * One bit per weight plus the nonzero values packed in row-major order, fp32 or per-row int8
 * ({@link Int8Rows}). Each row's bitmap is ⌈cols/64⌉ longs (bit c%64 of word c/64 marks column c;
 * bits past the last column are zero), so rows start on word boundaries. Costs 1/8 byte per weight
 * plus the values: fewer bytes than CSR above about 1/16 density (fp32 values, 16-bit CSR indices).
 *
 * <p>Each row's first value is found through a prefix count of the bitmap computed at construction
 * (rows + 1 ints, counted in {@link #bytes()} since products read it; a file need not store it).
 * Built from a dense array, every w ≠ 0 is kept; −0.0 counts as zero, so a round trip is exact up to
 * the sign of zero.
 */
public final class BitmaskMatrix extends StoredValues implements RowRangeProduct {
    private final int words;
    private final long[] bits;
    private final int[] rowStart;
    /** Values with {@link FormatSpecies#L} zeros of padding, so a vector load at the last value stays in bounds. */
    private final int maxRowNonzeros;

    private BitmaskMatrix(int rows, int cols, long[] bits, int[] rowStart, float[] paddedValues,
                          byte[] paddedQuantized, float[] scales) {
        super(rows, cols, paddedValues, paddedQuantized, scales);
        this.words = wordsPerRow(cols);
        this.bits = bits;
        this.rowStart = rowStart;
        int max = 0;
        for (int r = 0; r < rows; r++) max = Math.max(max, rowStart[r + 1] - rowStart[r]);
        this.maxRowNonzeros = max;
    }

    /** Longs per row of the bitmap: ⌈cols / 64⌉. */
    public static int wordsPerRow(int cols) {
        return (int) ((cols + 63L) >>> 6);
    }

    public static BitmaskMatrix of(float[] dense, int rows, int cols) {
        return build(dense, rows, cols, false);
    }

    /** Int8 bitmask of a dense row-major array: the fp32 nonzeros, quantized per row. */
    public static BitmaskMatrix int8(float[] dense, int rows, int cols) {
        return build(dense, rows, cols, true);
    }

    private static BitmaskMatrix build(float[] dense, int rows, int cols, boolean int8) {
        FormatChecks.dense(dense, rows, cols);
        int w = wordsPerRow(cols);
        long[] bits = new long[rows * w];
        int nnz = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0, i = r * cols; c < cols; c++, i++) {
                if (dense[i] != 0) {
                    bits[r * w + (c >>> 6)] |= 1L << c;
                    nnz++;
                }
            }
        }
        int[] start = rowStarts(bits, rows, w);
        float[] s = int8 ? Int8Rows.scales(dense, rows, cols) : null;
        float[] v = int8 ? null : new float[nnz + FormatSpecies.L];
        byte[] q = int8 ? new byte[nnz + FormatSpecies.L] : null;
        for (int r = 0, k = 0; r < rows; r++) {
            for (int c = 0, i = r * cols; c < cols; c++, i++) {
                if (dense[i] == 0) continue;
                if (int8) q[k++] = Int8Rows.quantize(dense[i], s[r]);
                else v[k++] = dense[i];
            }
        }
        return new BitmaskMatrix(rows, cols, bits, start, v, q, s);
    }

    private static int[] rowStarts(long[] bits, int rows, int w) {
        int[] start = new int[rows + 1];
        for (int r = 0; r < rows; r++) {
            int n = 0;
            for (int i = r * w; i < (r + 1) * w; i++) n += Long.bitCount(bits[i]);
            start[r + 1] = start[r] + n;
        }
        return start;
    }

    /** From a raw bitmap and packed fp32 values (both copied after validation), e.g. as read from a file. */
    public static BitmaskMatrix fromArrays(int rows, int cols, long[] bitmap, float[] values) {
        Objects.requireNonNull(values, "values");
        int[] start = check(rows, cols, bitmap, values.length);
        return new BitmaskMatrix(rows, cols, bitmap.clone(), start,
                Arrays.copyOf(values, values.length + FormatSpecies.L), null, null);
    }

    /** From a raw bitmap, packed int8 values and per-row scales (all copied after validation). */
    public static BitmaskMatrix fromInt8Arrays(int rows, int cols, long[] bitmap, byte[] quantized, float[] scales) {
        Int8Rows.checkQuantized(quantized);
        Int8Rows.checkScales(scales, rows);
        int[] start = check(rows, cols, bitmap, quantized.length);
        return new BitmaskMatrix(rows, cols, bitmap.clone(), start, null,
                Arrays.copyOf(quantized, quantized.length + FormatSpecies.L), scales.clone());
    }

    /** Checks the bitmap's length and padding bits and that it marks exactly valueCount weights; returns the row starts. */
    private static int[] check(int rows, int cols, long[] bitmap, int valueCount) {
        FormatChecks.dims(rows, cols);
        Objects.requireNonNull(bitmap, "bitmap");
        int w = wordsPerRow(cols);
        FormatChecks.length("bitmap", bitmap.length, (long) rows * w);
        int usedInLast = cols & 63;
        if (usedInLast != 0) {
            long padding = -1L << usedInLast;
            for (int r = 0; r < rows; r++) {
                if ((bitmap[r * w + w - 1] & padding) != 0)
                    throw new IllegalArgumentException("bitmap row " + r + " marks columns at or past " + cols
                            + " (the bits after the last column must be zero)");
            }
        }
        long total = 0;
        for (long word : bitmap) total += Long.bitCount(word);
        if (total != valueCount)
            throw new IllegalArgumentException("bitmap marks " + total + " weights but there are " + valueCount + " values");
        if (total > FormatChecks.MAX_ARRAY - FormatSpecies.L)
            throw new IllegalArgumentException("bitmap marks " + total + " weights, more than one array holds");
        return rowStarts(bitmap, rows, w);
    }

    /** A copy of the bitmap: rows × {@link #wordsPerRow(int)} longs. */
    public long[] bitmap() {
        return bits.clone();
    }

    /** The value arrays are padded past the last row's nonzeros for the vector kernels. */
    @Override
    int storedLength() {
        return rowStart[rows];
    }

    @Override
    public String format() {
        return named("bitmask");
    }

    @Override
    public long nonzeros() {
        return rowStart[rows];
    }

    @Override
    public long bytes() {
        long nnz = rowStart[rows];
        return 8L * bits.length + 4L * (rows + 1) + (isInt8() ? nnz + 4L * rows : 4 * nnz);
    }

    @Override
    public void multiplyVector(float[] x, float[] y) {
        FormatChecks.product(this, x, 1, y);
        if (VectorPolicy.SCALAR) {
            ScalarProducts.multiply(this, x, 1, y);
            return;
        }
        // Every column costs a little (a bit to test) and every nonzero a multiply-add.
        long work = (long) rows * cols / 16 + rowStart[rows];
        RowChunks.vector(rows, null, work, 1, rows, y, (out, from, to) -> multiplyVectorRows(x, out, from, to));
    }

    @Override
    public void multiplyVectorRows(float[] x, float[] y, int from, int to) {
        if (ScalarProducts.rowRange(this, x, y, from, to)) return;
        if (isInt8()) BitmaskKernels.gemvInt8(bits, words, rowStart, quantized, scales, cols, x, y, from, to);
        else BitmaskKernels.gemv(bits, words, rowStart, values, cols, x, y, from, to);
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
        RowChunks.weighted(rows, rowStart, batch, (from, to) ->
                BitmaskKernels.gemm(bits, words, rowStart, values, quantized, scales, maxRowNonzeros, cols, xa, batch, y, from, to));
    }

    @Override
    public float[] toDense() {
        float[] d = new float[FormatChecks.denseSize(rows, cols)];
        for (int r = 0; r < rows; r++) {
            int k = rowStart[r];
            for (int c = 0; c < cols; c++) {
                if ((bits[r * words + (c >>> 6)] >>> c & 1) == 0) continue;
                d[r * cols + c] = isInt8() ? Int8Rows.dequantize(quantized[k], scales[r]) : values[k];
                k++;
            }
        }
        return d;
    }

    long[] bitsView() {
        return bits;
    }

    int[] rowStartView() {
        return rowStart;
    }

    @Override
    public String toString() {
        return format() + " " + FormatChecks.shape(rows, cols) + ", " + nonzeros() + " nonzeros";
    }
}
