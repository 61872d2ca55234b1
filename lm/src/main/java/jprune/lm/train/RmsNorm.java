package jprune.lm.train;

import jprune.nn.autograd.Variable;
import jprune.tensor.Parallel;
import jprune.tensor.Tensor;

/**
 * RMSNorm as a differentiable op: y = x / √(mean(x²) + eps) · w over the last dimension (Llama's
 * LlamaRMSNorm with float32 activations). Rows are split across threads; the weight's gradient is
 * summed per chunk and the chunks added in order, so the result depends only on the thread count.
 */
public final class RmsNorm {
    private RmsNorm() {}

    public static Variable apply(Variable x, Variable weight, float eps) {
        int d = x.size(-1), rows = x.numel() / d;
        if (weight.numel() != d) throw new IllegalArgumentException("rms norm: weight has " + weight.numel() + " entries for rows of " + d);
        float[] xd = x.value().data(), w = weight.value().data();
        Tensor out = Tensor.zeros(x.shape());
        float[] y = out.data(), rstd = new float[rows];
        Parallel.forRange(rows, 16, (c, from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * d;
                double ss = 0;
                for (int i = 0; i < d; i++) ss += (double) xd[off + i] * xd[off + i];
                float rs = (float) (1 / Math.sqrt(ss / d + eps));
                rstd[r] = rs;
                for (int i = 0; i < d; i++) y[off + i] = w[i] * (xd[off + i] * rs);
            }
        });
        return Variable.result("rms_norm", out, g -> {
            float[] gd = g.data();
            float[] gx = x.requiresGrad() ? x.gradBuffer() : null;
            int chunks = Parallel.chunks(Math.max(1, rows / 16));
            float[][] partial = new float[chunks][];
            Parallel.forRange(rows, 16, (c, from, to) -> {
                float[] gw = weight.requiresGrad() ? (partial[c] = new float[d]) : null;
                for (int r = from; r < to; r++) {
                    int off = r * d;
                    float rs = rstd[r];
                    // dx = rs·(w⊙g) − rs³/d · x · Σ(w⊙g⊙x)
                    float dot = 0;
                    for (int i = 0; i < d; i++) dot = Math.fma(w[i] * gd[off + i], xd[off + i], dot);
                    float k = rs * rs * rs * dot / d;
                    if (gx != null) for (int i = 0; i < d; i++) gx[off + i] += rs * w[i] * gd[off + i] - k * xd[off + i];
                    if (gw != null) for (int i = 0; i < d; i++) gw[i] = Math.fma(gd[off + i], xd[off + i] * rs, gw[i]);
                }
            });
            if (weight.requiresGrad()) {
                float[] gw = weight.gradBuffer();
                for (float[] p : partial) if (p != null) for (int i = 0; i < d; i++) gw[i] += p[i];
            }
        }, x, weight);
    }
}
