package jprune.nn.autograd;

import jprune.tensor.PoolGeometry;
import jprune.tensor.PoolKernels;
import jprune.tensor.Shape;
import jprune.tensor.Tensor;

/** Differentiable max and average pooling over NCHW input. */
public final class Pooling {
    private Pooling() {}

    public static Variable maxPool2d(Variable x, int kernel, int stride, int padding) {
        PoolGeometry geo = geometry(x, kernel, stride, padding);
        Tensor out = Tensor.zeros(geo.batch(), geo.channels(), geo.outH(), geo.outW());
        int[] argmax = new int[out.numel()];
        PoolKernels.maxForward(geo, x.value().data(), out.data(), argmax);
        return Variable.result("max_pool2d", out, g -> {
            Tensor gx = Tensor.zeros(x.shape());
            PoolKernels.maxBackward(geo, g.data(), argmax, gx.data());
            x.accumulateGradOwned(gx);
        }, x);
    }

    public static Variable avgPool2d(Variable x, int kernel, int stride, int padding) {
        PoolGeometry geo = geometry(x, kernel, stride, padding);
        Tensor out = Tensor.zeros(geo.batch(), geo.channels(), geo.outH(), geo.outW());
        PoolKernels.avgForward(geo, x.value().data(), out.data());
        return Variable.result("avg_pool2d", out, g -> {
            Tensor gx = Tensor.zeros(x.shape());
            PoolKernels.avgBackward(geo, g.data(), gx.data());
            x.accumulateGradOwned(gx);
        }, x);
    }

    /** Mean over H and W: [N, C, H, W] → [N, C]. */
    public static Variable globalAvgPool(Variable x) {
        int[] s = x.shape();
        if (s.length != 4) throw new IllegalArgumentException("global average pooling expects [N, C, H, W], got " + Shape.str(s));
        int n = s[0], c = s[1], hw = s[2] * s[3];
        Tensor out = Tensor.zeros(n, c);
        PoolKernels.globalAvgForward(x.value().data(), n, c, hw, out.data());
        return Variable.result("global_avg_pool", out, g -> {
            Tensor gx = Tensor.zeros(s);
            PoolKernels.globalAvgBackward(g.data(), n, c, hw, gx.data());
            x.accumulateGradOwned(gx);
        }, x);
    }

    private static PoolGeometry geometry(Variable x, int kernel, int stride, int padding) {
        int[] s = x.shape();
        if (s.length != 4) throw new IllegalArgumentException("pooling expects [N, C, H, W], got " + Shape.str(s));
        return new PoolGeometry(s[0], s[1], s[2], s[3], kernel, kernel, stride, stride, padding, padding);
    }
}
