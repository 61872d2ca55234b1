package jprune.lm.train;

import jprune.nn.autograd.Variable;
import jprune.tensor.FloatExp;
import jprune.tensor.Parallel;
import jprune.tensor.Tensor;

/**
 * GPT-2's GELU (gelu_new, tanh form) as a differentiable op: 0.5·x·(1 + tanh(u)), u = √(2/π)·(x +
 * 0.044715·x³). nn's {@code Activation.gelu} is the erf form, which differs by up to ~5e-4 and would
 * not match the checkpoint's activation_function.
 */
public final class GeluTanh {
    static final float C = (float) Math.sqrt(2 / Math.PI), A = 0.044715f;

    private GeluTanh() {}

    public static Variable apply(Variable x) {
        float[] xd = x.value().data();
        int n = xd.length;
        Tensor out = Tensor.zeros(x.shape());
        float[] y = out.data();
        Parallel.forRange(n, 1 << 14, (c, from, to) -> {
            for (int i = from; i < to; i++) {
                float v = xd[i];
                // 0.5·(1 + tanh u) = σ(2u)
                y[i] = v / (1f + FloatExp.exp(-2 * C * Math.fma(A * v, v * v, v)));
            }
        });
        return Variable.result("gelu_tanh", out, g -> {
            float[] gd = g.data(), gx = x.gradBuffer();
            Parallel.forRange(n, 1 << 14, (c, from, to) -> {
                for (int i = from; i < to; i++) {
                    float v = xd[i];
                    float s = 1f / (1f + FloatExp.exp(-2 * C * Math.fma(A * v, v * v, v)));
                    float th = 2 * s - 1;
                    // d/dx = σ(2u) + 0.5·x·(1 − tanh²u)·√(2/π)·(1 + 3·0.044715·x²)
                    float dy = s + 0.5f * v * (1 - th * th) * C * Math.fma(3 * A, v * v, 1f);
                    gx[i] += gd[i] * dy;
                }
            });
        }, x);
    }
}
