package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Layer normalisation over the last dimension (rows × cols), with the statistics the backward needs. */
public final class LayerNormKernels {
    private static final VectorSpecies<Float> S = VectorPolicy.FLOATS;

    private LayerNormKernels() {}

    /**
     * y = (x − mean)·rstd·gamma + beta per row, biased variance (as PyTorch). Writes each row's mean
     * and rstd = 1/√(var + eps). gamma and beta may be null (no affine).
     *
     * <p>Each row's statistics are float sums in a fixed order, two passes (the mean, then the
     * squared deviations from it): lane i of a vector accumulates elements i, i + L, i + 2L, ... of
     * the whole-vector part, the lanes are folded in {@link VectorPolicy}'s order, then the tail is
     * added in index order. {@link #forwardScalar} computes the same sums one element at a time, so
     * results are bit for bit the reference's at every vector width, in every JVM.
     */
    public static void forward(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd,
                               int rows, int cols, float eps) {
        Parallel.forRange(rows, Math.max(1, 8192 / Math.max(1, cols)), (c, from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * cols;
                float mu = mean(x, off, cols);
                mean[r] = mu;
                rstd[r] = rstd(x, off, cols, mu, eps);
                normalize(x, gamma, beta, y, off, off, cols, mean[r], rstd[r]);
            }
        });
    }

    /**
     * {@link #forward} without the statistics, on the calling thread, for rows that lie apart: row r
     * is read from x[xOff + r·ldx] and written to y[yOff + r·ldy], cols floats each, with the same
     * bits as forward gives that row. For inference, where rows sit in wider buffers (a stream
     * padded to whole vectors, or every sequence's first token alone).
     */
    public static void forwardRows(float[] x, int xOff, int ldx, float[] gamma, float[] beta, float[] y, int yOff, int ldy,
                                   int rows, int cols, float eps) {
        if (rows < 0 || cols < 1 || ldx < cols || ldy < cols)
            throw new IllegalArgumentException("layer norm: invalid sizes rows=" + rows + " cols=" + cols + " ldx=" + ldx + " ldy=" + ldy);
        if (rows == 0) return;
        if (xOff < 0 || xOff + (long) (rows - 1) * ldx + cols > x.length) throw new IllegalArgumentException("layer norm: x too small");
        if (yOff < 0 || yOff + (long) (rows - 1) * ldy + cols > y.length) throw new IllegalArgumentException("layer norm: y too small");
        for (int r = 0; r < rows; r++) {
            int xi = xOff + r * ldx;
            float mu = mean(x, xi, cols);
            normalize(x, gamma, beta, y, xi, yOff + r * ldy, cols, mu, rstd(x, xi, cols, mu, eps));
        }
    }

    /** The mean of the row at off: the sum described at {@link #forward}, in vectors, over cols. */
    private static float mean(float[] x, int off, int cols) {
        int bound = VectorPolicy.loopBound(cols), j = 0;
        float s = 0f;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; j < bound; j += S.length()) acc = acc.add(FloatVector.fromArray(S, x, off + j));
            if (VectorPolicy.FOLD_8 != null) acc = acc.add(acc.rearrange(VectorPolicy.FOLD_8));
            if (VectorPolicy.FOLD_4 != null) acc = acc.add(acc.rearrange(VectorPolicy.FOLD_4));
            if (VectorPolicy.FOLD_2 != null) acc = acc.add(acc.rearrange(VectorPolicy.FOLD_2));
            if (VectorPolicy.FOLD_1 != null) acc = acc.add(acc.rearrange(VectorPolicy.FOLD_1));
            s = acc.lane(0);
        }
        for (; j < cols; j++) s += x[off + j];
        return s / cols;
    }

    /** 1/√(var + eps) of the row at off, whose mean is mu: the squared deviations summed as {@link #mean} sums. */
    private static float rstd(float[] x, int off, int cols, float mu, float eps) {
        int bound = VectorPolicy.loopBound(cols), j = 0;
        float v = 0f;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; j < bound; j += S.length()) {
                FloatVector d = FloatVector.fromArray(S, x, off + j).sub(mu);
                acc = acc.add(d.mul(d));
            }
            if (VectorPolicy.FOLD_8 != null) acc = acc.add(acc.rearrange(VectorPolicy.FOLD_8));
            if (VectorPolicy.FOLD_4 != null) acc = acc.add(acc.rearrange(VectorPolicy.FOLD_4));
            if (VectorPolicy.FOLD_2 != null) acc = acc.add(acc.rearrange(VectorPolicy.FOLD_2));
            if (VectorPolicy.FOLD_1 != null) acc = acc.add(acc.rearrange(VectorPolicy.FOLD_1));
            v = acc.lane(0);
        }
        for (; j < cols; j++) {
            float d = x[off + j] - mu;
            v += d * d;
        }
        return rstdOf(v, cols, eps);
    }

    /** The scalar form of {@link #mean} and {@link #rstd}: per-lane sums over the whole-vector part, folded, then the tail. */
    private static void statisticsScalar(float[] x, int r, int cols, float eps, float[] mean, float[] rstd) {
        int off = r * cols, bound = VectorPolicy.loopBound(cols), lanes = VectorPolicy.LANES;
        float[] acc = new float[lanes];
        for (int j = 0; j < bound; j++) acc[j % lanes] += x[off + j];
        float s = bound > 0 ? VectorPolicy.laneSum(acc) : 0f;
        for (int j = bound; j < cols; j++) s += x[off + j];
        float mu = s / cols;
        java.util.Arrays.fill(acc, 0f);
        for (int j = 0; j < bound; j++) {
            float d = x[off + j] - mu;
            acc[j % lanes] += d * d;
        }
        float v = bound > 0 ? VectorPolicy.laneSum(acc) : 0f;
        for (int j = bound; j < cols; j++) {
            float d = x[off + j] - mu;
            v += d * d;
        }
        mean[r] = mu;
        rstd[r] = rstdOf(v, cols, eps);
    }

    private static float rstdOf(float sumSquares, int cols, float eps) {
        return (float) (1 / Math.sqrt(sumSquares / cols + eps));
    }

    /** One row's y (at yi) from x (at xi) and its statistics: the reference's float operations, in vectors and then a tail. */
    private static void normalize(float[] x, float[] gamma, float[] beta, float[] y, int xi, int yi, int cols, float m, float rs) {
        int j = 0;
        for (int bound = VectorPolicy.loopBound(cols); j < bound; j += S.length()) {
            FloatVector h = FloatVector.fromArray(S, x, xi + j).sub(m).mul(rs);
            if (gamma != null) h = h.mul(FloatVector.fromArray(S, gamma, j));
            // Adding 0 when there is no beta, as the reference does, turns −0 into +0.
            h = beta != null ? h.add(FloatVector.fromArray(S, beta, j)) : h.add(0f);
            h.intoArray(y, yi + j);
        }
        for (; j < cols; j++) {
            float h = (x[xi + j] - m) * rs;
            y[yi + j] = (gamma == null ? h : h * gamma[j]) + (beta == null ? 0f : beta[j]);
        }
    }

    /**
     * The scalar reference of {@link #forward}, a row at a time on the calling thread: each row's
     * statistics alone, then its normalisation in scalar code.
     */
    public static void forwardScalar(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd,
                                     int rows, int cols, float eps) {
        for (int r = 0; r < rows; r++) {
            statisticsScalar(x, r, cols, eps, mean, rstd);
            int off = r * cols;
            float m = mean[r], rs = rstd[r];
            for (int j = 0; j < cols; j++) {
                float h = (x[off + j] - m) * rs;
                y[off + j] = (gamma == null ? h : h * gamma[j]) + (beta == null ? 0f : beta[j]);
            }
        }
    }

    /**
     * dx (overwritten) from dy; dgamma and dbeta (nullable) accumulate. With x̂ the normalised input
     * and g = dy·gamma: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)).
     */
    public static void backward(float[] x, float[] gamma, float[] mean, float[] rstd, float[] dy, float[] dx,
                                float[] dgamma, float[] dbeta, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            float m = mean[r], rs = rstd[r];
            double sg = 0, sgx = 0;
            for (int j = 0; j < cols; j++) {
                float xh = (x[off + j] - m) * rs;
                float g = gamma == null ? dy[off + j] : dy[off + j] * gamma[j];
                sg += g;
                sgx += g * xh;
                if (dgamma != null) dgamma[j] += dy[off + j] * xh;
                if (dbeta != null) dbeta[j] += dy[off + j];
            }
            float mg = (float) (sg / cols), mgx = (float) (sgx / cols);
            for (int j = 0; j < cols; j++) {
                float xh = (x[off + j] - m) * rs;
                float g = gamma == null ? dy[off + j] : dy[off + j] * gamma[j];
                dx[off + j] = rs * (g - mg - xh * mgx);
            }
        }
    }
}
