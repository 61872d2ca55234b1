package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row-wise softmax and log-softmax over the last dimension (rows × cols), numerically stable
 * (the row maximum is subtracted before exponentiating; a row of −∞ yields zeros, not NaN).
 */
public final class Softmax {
    private static final VectorSpecies<Float> S = VectorPolicy.FLOATS;

    private Softmax() {}

    public static void forward(float[] x, float[] y, int rows, int cols) {
        Parallel.forRange(rows, Math.max(1, 16384 / Math.max(1, cols)), (c, from, to) -> {
            for (int r = from; r < to; r++) row(x, y, r * cols, cols);
        });
    }

    /**
     * One row of {@link #forward}: y[off..off+cols) from x's (y may be x), for kernels that
     * produce a row at a time and must round exactly as the softmax op does.
     */
    static void row(float[] x, float[] y, int off, int cols) {
        float max = rowMax(x, off, cols);
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(y, off, off + cols, 0f);
            return;
        }
        float sum = expShifted(x, y, off, cols, max);
        Elementwise.scale(y, off, cols, 1f / sum);
    }

    /** dx = y ⊙ (dy − Σ dy⊙y), row by row. */
    public static void backward(float[] y, float[] dy, float[] dx, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            float dot = Elementwise.dot(dy, off, y, off, cols);
            for (int j = 0; j < cols; j++) dx[off + j] = y[off + j] * (dy[off + j] - dot);
        }
    }

    /** y = x − max − log Σ exp(x − max). */
    public static void logForward(float[] x, float[] y, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            float max = rowMax(x, off, cols);
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += Math.exp(x[off + j] - max);
            // (x − max) first: subtracting max + log Σ in one step loses digits for large logits.
            float logSum = (float) Math.log(sum);
            for (int j = 0; j < cols; j++) y[off + j] = (x[off + j] - max) - logSum;
        }
    }

    /** With y the log-softmax output: dx = dy − exp(y)·Σ dy. */
    public static void logBackward(float[] y, float[] dy, float[] dx, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            float sum = Elementwise.sum(dy, off, cols);
            for (int j = 0; j < cols; j++) dx[off + j] = dy[off + j] - (float) Math.exp(y[off + j]) * sum;
        }
    }

    /**
     * y = exp(x − shift) over a row, vectorised with {@link FloatExp} (the tail too, so every
     * element is computed alike); returns the row's sum, lanes added in the fixed order of
     * {@link VectorPolicy#laneSum} (folded in registers), then the tail in index order.
     */
    static float expShifted(float[] x, float[] y, int off, int n, float shift) {
        int bound = VectorPolicy.loopBound(n);
        float sum = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (int j = 0; j < bound; j += S.length()) {
                FloatVector e = FloatExp.exp(FloatVector.fromArray(S, x, off + j).sub(shift));
                e.intoArray(y, off + j);
                acc = acc.add(e);
            }
            if (VectorPolicy.FOLD_8 != null) acc = acc.add(acc.rearrange(VectorPolicy.FOLD_8));
            if (VectorPolicy.FOLD_4 != null) acc = acc.add(acc.rearrange(VectorPolicy.FOLD_4));
            if (VectorPolicy.FOLD_2 != null) acc = acc.add(acc.rearrange(VectorPolicy.FOLD_2));
            if (VectorPolicy.FOLD_1 != null) acc = acc.add(acc.rearrange(VectorPolicy.FOLD_1));
            sum = acc.lane(0);
        }
        for (int j = bound; j < n; j++) {
            float e = FloatExp.exp(x[off + j] - shift);
            y[off + j] = e;
            sum += e;
        }
        return sum;
    }

    /** Scalar reference of {@link #forward}. */
    public static void forwardScalar(float[] x, float[] y, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            float max = rowMax(x, off, cols);
            if (max == Float.NEGATIVE_INFINITY) {
                java.util.Arrays.fill(y, off, off + cols, 0f);
                continue;
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += Math.exp(x[off + j] - max);
            for (int j = 0; j < cols; j++) y[off + j] = (float) (Math.exp(x[off + j] - max) / sum);
        }
    }

    /**
     * The largest of x[off..off+n). A maximum does not depend on the order it is taken in (NaN wins,
     * +0 beats −0, as Math.max), so the vector form equals the scalar loop.
     */
    static float rowMax(float[] x, int off, int n) {
        int bound = VectorPolicy.loopBound(n), j = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (bound > 0) {
            FloatVector acc = FloatVector.fromArray(S, x, off);
            for (j = S.length(); j < bound; j += S.length()) acc = acc.max(FloatVector.fromArray(S, x, off + j));
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; j < n; j++) m = Math.max(m, x[off + j]);
        return m;
    }
}
