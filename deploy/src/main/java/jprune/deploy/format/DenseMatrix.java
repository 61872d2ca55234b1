package jprune.deploy.format;

import java.util.Objects;
import jprune.tensor.Gemm;
import jprune.tensor.VectorPolicy;

/**
 * W stored dense and row-major, in fp32 or as per-row int8 ({@link Int8Rows}): the baseline every
 * sparse format is measured against. A batch-1 product streams W once through a vectorized
 * matrix-vector kernel ({@link DenseKernels}); fp32 batches go to {@link Gemm}.
 */
public final class DenseMatrix extends StoredValues implements RowRangeProduct {

    private DenseMatrix(int rows, int cols, float[] values, byte[] quantized, float[] scales) {
        super(rows, cols, values, quantized, scales);
    }

    /** fp32 copy of a dense row-major rows × cols array. */
    public static DenseMatrix of(float[] dense, int rows, int cols) {
        FormatChecks.dense(dense, rows, cols);
        return new DenseMatrix(rows, cols, dense.clone(), null, null);
    }

    /** Per-row symmetric int8 quantization of a dense row-major array (weights must be finite). */
    public static DenseMatrix int8(float[] dense, int rows, int cols) {
        FormatChecks.dense(dense, rows, cols);
        float[] s = Int8Rows.scales(dense, rows, cols);
        byte[] q = new byte[dense.length];
        for (int r = 0; r < rows; r++) {
            for (int i = r * cols, end = i + cols; i < end; i++) q[i] = Int8Rows.quantize(dense[i], s[r]);
        }
        return new DenseMatrix(rows, cols, null, q, s);
    }

    /** From raw row-major fp32 values (copied), e.g. as read from a file. */
    public static DenseMatrix fromArrays(int rows, int cols, float[] values) {
        Objects.requireNonNull(values, "values");
        FormatChecks.length("values", values.length, FormatChecks.denseSize(rows, cols));
        return new DenseMatrix(rows, cols, values.clone(), null, null);
    }

    /** From raw row-major int8 weights and per-row scales (both copied and validated). */
    public static DenseMatrix fromInt8Arrays(int rows, int cols, byte[] quantized, float[] scales) {
        Objects.requireNonNull(quantized, "quantized");
        FormatChecks.length("quantized", quantized.length, FormatChecks.denseSize(rows, cols));
        Int8Rows.checkQuantized(quantized);
        Int8Rows.checkScales(scales, rows);
        return new DenseMatrix(rows, cols, null, quantized.clone(), scales.clone());
    }

    @Override
    public String format() {
        return named("dense");
    }

    @Override
    public long nonzeros() {
        return (long) rows * cols;
    }

    @Override
    public long bytes() {
        return isInt8() ? (long) rows * cols + 4L * rows : 4L * rows * cols;
    }

    @Override
    public void multiplyVector(float[] x, float[] y) {
        FormatChecks.product(this, x, 1, y);
        if (VectorPolicy.SCALAR) {
            ScalarProducts.multiply(this, x, 1, y);
            return;
        }
        long work = (long) rows * cols;
        RowChunks.vector(rows, null, work, 1, rows, y, (out, from, to) -> multiplyVectorRows(x, out, from, to));
    }

    @Override
    public void multiplyVectorRows(float[] x, float[] y, int from, int to) {
        if (ScalarProducts.rowRange(this, x, y, from, to)) return;
        if (isInt8()) DenseKernels.gemvInt8(quantized, scales, cols, x, y, from, to);
        else DenseKernels.gemv(values, cols, x, y, from, to);
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
        } else if (isInt8()) {
            long work = (long) rows * cols * batch;
            RowChunks.uniform(rows, work, (from, to) -> DenseKernels.gemmInt8(quantized, scales, cols, x, batch, y, from, to));
        } else {
            Gemm.gemm(false, false, rows, batch, cols, values, 0, cols, x, 0, batch, false, y, 0, batch);
        }
    }

    @Override
    public float[] toDense() {
        if (!isInt8()) return values.clone();
        float[] d = new float[quantized.length];
        for (int r = 0; r < rows; r++) {
            for (int i = r * cols, end = i + cols; i < end; i++) d[i] = Int8Rows.dequantize(quantized[i], scales[r]);
        }
        return d;
    }

    @Override
    public String toString() {
        return format() + " " + FormatChecks.shape(rows, cols);
    }
}
