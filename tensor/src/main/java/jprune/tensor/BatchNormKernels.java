package jprune.tensor;

/**
 * Batch normalisation over NCHW data (n images, c channels, hw = H·W; hw = 1 for [N, C] input).
 * Per-channel sums are taken in double; channels are independent, so the work splits over them.
 */
public final class BatchNormKernels {
    private BatchNormKernels() {}

    /** Normalises with batch statistics; writes per-channel mean, biased variance and 1/√(var+eps). */
    public static void forwardTrain(float[] x, int n, int c, int hw, float[] gamma, float[] beta, float eps,
                                    float[] y, float[] mean, float[] var, float[] invStd) {
        int count = n * hw;
        Parallel.forRange(c, 1, (chunk, from, to) -> {
            for (int ch = from; ch < to; ch++) {
                double s = 0;
                for (int b = 0; b < n; b++) {
                    int off = (b * c + ch) * hw;
                    for (int i = 0; i < hw; i++) s += x[off + i];
                }
                double mu = s / count, v = 0;
                for (int b = 0; b < n; b++) {
                    int off = (b * c + ch) * hw;
                    for (int i = 0; i < hw; i++) {
                        double d = x[off + i] - mu;
                        v += d * d;
                    }
                }
                v /= count;
                float m = (float) mu, inv = (float) (1 / Math.sqrt(v + eps));
                mean[ch] = m;
                var[ch] = (float) v;
                invStd[ch] = inv;
                float scale = gamma[ch] * inv, shift = beta[ch] - m * scale;
                for (int b = 0; b < n; b++) {
                    int off = (b * c + ch) * hw;
                    for (int i = 0; i < hw; i++) y[off + i] = x[off + i] * scale + shift;
                }
            }
        });
    }

    /** Normalises with running statistics (evaluation mode). */
    public static void forwardEval(float[] x, int n, int c, int hw, float[] gamma, float[] beta,
                                   float[] runningMean, float[] runningVar, float eps, float[] y) {
        for (int ch = 0; ch < c; ch++) {
            float inv = (float) (1 / Math.sqrt(runningVar[ch] + eps));
            float scale = gamma[ch] * inv, shift = beta[ch] - runningMean[ch] * scale;
            for (int b = 0; b < n; b++) {
                int off = (b * c + ch) * hw;
                for (int i = 0; i < hw; i++) y[off + i] = x[off + i] * scale + shift;
            }
        }
    }

    /**
     * Training-mode gradient: with x̂ = (x − mean)·invStd, dx = gamma·invStd·(dy − mean(dy) −
     * x̂·mean(dy·x̂)); dgamma += Σ dy·x̂; dbeta += Σ dy. dx is overwritten.
     */
    public static void backward(float[] x, int n, int c, int hw, float[] gamma, float[] mean, float[] invStd,
                                float[] dy, float[] dx, float[] dgamma, float[] dbeta) {
        int count = n * hw;
        Parallel.forRange(c, 1, (chunk, from, to) -> {
            for (int ch = from; ch < to; ch++) {
                float m = mean[ch], inv = invStd[ch];
                double sdy = 0, sdyx = 0;
                for (int b = 0; b < n; b++) {
                    int off = (b * c + ch) * hw;
                    for (int i = 0; i < hw; i++) {
                        sdy += dy[off + i];
                        sdyx += dy[off + i] * (x[off + i] - m) * inv;
                    }
                }
                dgamma[ch] += (float) sdyx;
                dbeta[ch] += (float) sdy;
                float mdy = (float) (sdy / count), mdyx = (float) (sdyx / count), k = gamma[ch] * inv;
                for (int b = 0; b < n; b++) {
                    int off = (b * c + ch) * hw;
                    for (int i = 0; i < hw; i++) {
                        float xh = (x[off + i] - m) * inv;
                        dx[off + i] = k * (dy[off + i] - mdy - xh * mdyx);
                    }
                }
            }
        });
    }
}
