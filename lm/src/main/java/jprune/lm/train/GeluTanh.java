package jprune.lm.train;

import jprune.nn.autograd.Variable;
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
        // 0.5·(1 + tanh u) = σ(2u), so y = x·σ(2u): one exp, no cancellation near zero
        Parallel.forRange(n, 1 << 14, (c, from, to) -> LmKernels.geluTanh(xd, y, from, to));
        return Variable.result("gelu_tanh", out, g -> {
            float[] gd = g.data(), gx = x.gradBuffer();
            // d/dx = σ(2u) + 0.5·x·(1 − tanh²u)·√(2/π)·(1 + 3·0.044715·x²), tanh u = 2σ(2u) − 1
            Parallel.forRange(n, 1 << 14, (c, from, to) -> LmKernels.geluTanhBackward(xd, gd, gx, from, to));
        }, x);
    }
}
