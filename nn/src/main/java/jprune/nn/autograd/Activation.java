package jprune.nn.autograd;

import jprune.tensor.Activations;
import jprune.tensor.Tensor;

/** Differentiable elementwise non-linearities. */
public final class Activation {
    private Activation() {}

    public static Variable relu(Variable x) {
        float[] xd = x.value().data();
        Tensor out = Tensor.zeros(x.shape());
        Activations.reluForward(xd, out.data(), xd.length);
        return Variable.result("relu", out, g -> {
            Tensor gx = Tensor.zeros(g.shape());
            Activations.reluBackward(xd, g.data(), gx.data(), xd.length);
            x.accumulateGradOwned(gx);
        }, x);
    }

    /** GELU, exact (erf) form as PyTorch's default. */
    public static Variable gelu(Variable x) {
        float[] xd = x.value().data();
        Tensor out = Tensor.zeros(x.shape());
        Activations.geluForward(xd, out.data(), xd.length);
        return Variable.result("gelu", out, g -> {
            Tensor gx = Tensor.zeros(g.shape());
            Activations.geluBackward(xd, g.data(), gx.data(), xd.length);
            x.accumulateGradOwned(gx);
        }, x);
    }

    public static Variable tanh(Variable x) {
        float[] xd = x.value().data();
        Tensor out = Tensor.zeros(x.shape());
        Activations.tanhForward(xd, out.data(), xd.length);
        return Variable.result("tanh", out, g -> {
            Tensor gx = Tensor.zeros(g.shape());
            Activations.tanhBackward(out.data(), g.data(), gx.data(), xd.length);
            x.accumulateGradOwned(gx);
        }, x);
    }

    public static Variable sigmoid(Variable x) {
        float[] xd = x.value().data();
        Tensor out = Tensor.zeros(x.shape());
        Activations.sigmoidForward(xd, out.data(), xd.length);
        return Variable.result("sigmoid", out, g -> {
            Tensor gx = Tensor.zeros(g.shape());
            Activations.sigmoidBackward(out.data(), g.data(), gx.data(), xd.length);
            x.accumulateGradOwned(gx);
        }, x);
    }
}
