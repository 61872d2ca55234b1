package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Layer normalisation over the last dimension (rows × cols), with the statistics the backward needs. */
public final class LayerNormKernels {
    private static final VectorSpecies<Float> S = VectorPolicy.FLOATS;
    /** Rows whose statistics are computed together: four chains of double additions keep a core's adders busy. */
    static final int ROWS = 4;

    private LayerNormKernels() {}

    /**
     * y = (x − mean)·rstd·gamma + beta per row, biased variance (as PyTorch). Writes each row's mean
     * and rstd = 1/√(var + eps). gamma and beta may be null (no affine).
     *
     * <p>Each row's statistics are sums in double in index order, as {@link #forwardScalar} computes
     * them, and the normalisation is the same float operations per element, so results are bit for
     * bit the reference's. Speed comes from doing {@link #ROWS} rows at once, which lets their
     * dependent chains of additions overlap, and from vectors in the normalisation pass.
     */
    public static void forward(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd,
                               int rows, int cols, float eps) {
        Parallel.forRange(rows, Math.max(1, 8192 / Math.max(1, cols)), (c, from, to) -> {
            int r = from;
            for (; r + ROWS <= to; r += ROWS) statistics4(x, r, cols, eps, mean, rstd);
            for (; r < to; r++) statistics(x, r, cols, eps, mean, rstd);
            for (r = from; r < to; r++) normalize(x, gamma, beta, y, r * cols, cols, mean[r], rstd[r]);
        });
    }

    /** Mean and rstd of rows r..r+3: the per-row sums of {@link #statistics}, interleaved. */
    private static void statistics4(float[] x, int r, int cols, float eps, float[] mean, float[] rstd) {
        int o0 = r * cols, o1 = o0 + cols, o2 = o1 + cols, o3 = o2 + cols;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int j = 0; j < cols; j++) {
            s0 += x[o0 + j];
            s1 += x[o1 + j];
            s2 += x[o2 + j];
            s3 += x[o3 + j];
        }
        double m0 = s0 / cols, m1 = s1 / cols, m2 = s2 / cols, m3 = s3 / cols;
        double v0 = 0, v1 = 0, v2 = 0, v3 = 0;
        for (int j = 0; j < cols; j++) {
            double d0 = x[o0 + j] - m0, d1 = x[o1 + j] - m1, d2 = x[o2 + j] - m2, d3 = x[o3 + j] - m3;
            v0 += d0 * d0;
            v1 += d1 * d1;
            v2 += d2 * d2;
            v3 += d3 * d3;
        }
        store(r, m0, v0, cols, eps, mean, rstd);
        store(r + 1, m1, v1, cols, eps, mean, rstd);
        store(r + 2, m2, v2, cols, eps, mean, rstd);
        store(r + 3, m3, v3, cols, eps, mean, rstd);
    }

    private static void statistics(float[] x, int r, int cols, float eps, float[] mean, float[] rstd) {
        int off = r * cols;
        double s = 0;
        for (int j = 0; j < cols; j++) s += x[off + j];
        double mu = s / cols, v = 0;
        for (int j = 0; j < cols; j++) {
            double d = x[off + j] - mu;
            v += d * d;
        }
        store(r, mu, v, cols, eps, mean, rstd);
    }

    private static void store(int r, double mu, double sumSquares, int cols, float eps, float[] mean, float[] rstd) {
        mean[r] = (float) mu;
        rstd[r] = (float) (1 / Math.sqrt(sumSquares / cols + eps));
    }

    /** One row's y from its statistics: the reference's float operations, in vectors and then a tail. */
    private static void normalize(float[] x, float[] gamma, float[] beta, float[] y, int off, int cols, float m, float rs) {
        int j = 0;
        for (int bound = VectorPolicy.loopBound(cols); j < bound; j += S.length()) {
            FloatVector h = FloatVector.fromArray(S, x, off + j).sub(m).mul(rs);
            if (gamma != null) h = h.mul(FloatVector.fromArray(S, gamma, j));
            // Adding 0 when there is no beta, as the reference does, turns −0 into +0.
            h = beta != null ? h.add(FloatVector.fromArray(S, beta, j)) : h.add(0f);
            h.intoArray(y, off + j);
        }
        for (; j < cols; j++) {
            float h = (x[off + j] - m) * rs;
            y[off + j] = (gamma == null ? h : h * gamma[j]) + (beta == null ? 0f : beta[j]);
        }
    }

    /**
     * The scalar reference of {@link #forward}, a row at a time on the calling thread: each row's
     * statistics alone, then its normalisation in scalar code.
     */
    public static void forwardScalar(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd,
                                     int rows, int cols, float eps) {
        for (int r = 0; r < rows; r++) {
            statistics(x, r, cols, eps, mean, rstd);
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
