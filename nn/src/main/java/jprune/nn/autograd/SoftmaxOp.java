package jprune.nn.autograd;

import jprune.tensor.Softmax;
import jprune.tensor.Tensor;

/** Differentiable softmax and log-softmax over the last dimension. */
public final class SoftmaxOp {
    private SoftmaxOp() {}

    public static Variable softmax(Variable x) {
        int cols = x.size(-1), rows = x.numel() / Math.max(1, cols);
        Tensor out = Tensor.zeros(x.shape());
        Softmax.forward(x.value().data(), out.data(), rows, cols);
        return Variable.result("softmax", out, g -> {
            Tensor gx = Tensor.zeros(g.shape());
            Softmax.backward(out.data(), g.data(), gx.data(), rows, cols);
            x.accumulateGradOwned(gx);
        }, x);
    }

    public static Variable logSoftmax(Variable x) {
        int cols = x.size(-1), rows = x.numel() / Math.max(1, cols);
        Tensor out = Tensor.zeros(x.shape());
        Softmax.logForward(x.value().data(), out.data(), rows, cols);
        return Variable.result("log_softmax", out, g -> {
            Tensor gx = Tensor.zeros(g.shape());
            Softmax.logBackward(out.data(), g.data(), gx.data(), rows, cols);
            x.accumulateGradOwned(gx);
        }, x);
    }
}
