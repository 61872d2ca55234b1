package jprune.lm.train;

import jprune.nn.autograd.Variable;
import jprune.tensor.Parallel;
import jprune.tensor.Tensor;

/** Llama's gated MLP activation as one differentiable op: silu(gate) ⊙ up, silu(z) = z·σ(z). */
public final class SwiGlu {
    private SwiGlu() {}

    public static Variable apply(Variable gate, Variable up) {
        if (!gate.value().sameShape(up.value()))
            throw new IllegalArgumentException("swiglu: gate " + java.util.Arrays.toString(gate.shape()) + " and up " + java.util.Arrays.toString(up.shape()) + " differ");
        float[] gd = gate.value().data(), ud = up.value().data();
        int n = gd.length;
        Tensor out = Tensor.zeros(gate.shape());
        float[] y = out.data();
        Parallel.forRange(n, 1 << 14, (c, from, to) -> LmKernels.swiglu(gd, ud, y, from, to));
        return Variable.result("swiglu", out, g -> {
            float[] dy = g.data();
            float[] dg = gate.requiresGrad() ? gate.gradBuffer() : null, du = up.requiresGrad() ? up.gradBuffer() : null;
            Parallel.forRange(n, 1 << 14, (c, from, to) -> LmKernels.swigluBackward(gd, ud, dy, dg, du, from, to));
        }, gate, up);
    }
}
