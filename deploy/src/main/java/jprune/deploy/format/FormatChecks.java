package jprune.deploy.format;

import java.util.Objects;

/**
 * Argument checks shared by the formats: raw arrays read from files are checked here once, at the
 * boundary, so the kernels never test an index in their inner loops beyond what Java itself does.
 */
final class FormatChecks {
    private FormatChecks() {}

    /** Larger than any Java array may be; sizes computed in long are compared to this before allocating. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /**
     * Largest rows or cols accepted: far beyond any layer, and low enough that loops stepping by a
     * group or block (≤ 2^16 wide) past the last column cannot overflow an int.
     */
    static final int MAX_DIM = 1 << 30;

    static void dims(int rows, int cols) {
        if (rows < 0 || cols < 0 || rows > MAX_DIM || cols > MAX_DIM)
            throw new IllegalArgumentException("matrix dimensions must be in [0, " + MAX_DIM + "], got " + rows + "×" + cols);
    }

    /** rows·cols, checked to fit one Java array. */
    static int denseSize(int rows, int cols) {
        dims(rows, cols);
        long n = (long) rows * cols;
        if (n > MAX_ARRAY)
            throw new IllegalArgumentException("a dense " + rows + "×" + cols + " matrix has " + n
                    + " elements, more than one Java array holds (" + MAX_ARRAY + ")");
        return (int) n;
    }

    static void dense(float[] dense, int rows, int cols) {
        Objects.requireNonNull(dense, "dense");
        int n = denseSize(rows, cols);
        if (dense.length != n)
            throw new IllegalArgumentException("dense array has " + dense.length + " elements, a " + rows + "×"
                    + cols + " matrix needs " + n);
    }

    static void length(String what, int actual, long expected) {
        if (actual != expected)
            throw new IllegalArgumentException(what + " has " + actual + " elements, expected " + expected);
    }

    /** Checks a product's operands: x holds cols × batch, y rows × batch (longer arrays are allowed, as in BLAS). */
    static void product(WeightMatrix w, float[] x, int batch, float[] y) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        if (x == y) throw new IllegalArgumentException("x and y must be different arrays (y is overwritten while x is read)");
        long needX = (long) w.cols() * batch, needY = (long) w.rows() * batch;
        if (x.length < needX)
            throw new IllegalArgumentException("x has " + x.length + " floats, a " + w.rows() + "×" + w.cols()
                    + " matrix times a batch of " + batch + " needs " + needX + " (cols × batch, feature-major)");
        if (y.length < needY)
            throw new IllegalArgumentException("y has " + y.length + " floats, a " + w.rows() + "×" + w.cols()
                    + " matrix times a batch of " + batch + " needs " + needY + " (rows × batch, feature-major)");
    }

    static String shape(int rows, int cols) {
        return rows + "×" + cols;
    }
}
