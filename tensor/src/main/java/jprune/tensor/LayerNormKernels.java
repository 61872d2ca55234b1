package jprune.tensor;

/** Layer normalisation over the last dimension (rows × cols), with the statistics the backward needs. */
public final class LayerNormKernels {
    private LayerNormKernels() {}

    /**
     * y = (x − mean)·rstd·gamma + beta per row, biased variance (as PyTorch). Writes each row's mean
     * and rstd = 1/√(var + eps). gamma and beta may be null (no affine).
     */
    public static void forward(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd,
                               int rows, int cols, float eps) {
        Parallel.forRange(rows, Math.max(1, 8192 / Math.max(1, cols)), (c, from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * cols;
                double s = 0;
                for (int j = 0; j < cols; j++) s += x[off + j];
                double mu = s / cols, v = 0;
                for (int j = 0; j < cols; j++) {
                    double d = x[off + j] - mu;
                    v += d * d;
                }
                float m = (float) mu, rs = (float) (1 / Math.sqrt(v / cols + eps));
                mean[r] = m;
                rstd[r] = rs;
                for (int j = 0; j < cols; j++) {
                    float h = (x[off + j] - m) * rs;
                    y[off + j] = (gamma == null ? h : h * gamma[j]) + (beta == null ? 0f : beta[j]);
                }
            }
        });
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
