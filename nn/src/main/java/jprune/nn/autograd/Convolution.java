package jprune.nn.autograd;

import jprune.tensor.ConvGeometry;
import jprune.tensor.ConvKernels;
import jprune.tensor.Shape;
import jprune.tensor.Tensor;

/** Differentiable 2-D convolution over NCHW input with an [OC, C, kH, kW] weight. */
public final class Convolution {
    private Convolution() {}

    public static Variable conv2d(Variable x, Variable w, Variable bias, int stride, int padding) {
        int[] xs = x.shape(), ws = w.shape();
        if (xs.length != 4 || ws.length != 4 || xs[1] != ws[1])
            throw new IllegalArgumentException("conv2d: input " + Shape.str(xs) + " does not match weight " + Shape.str(ws) + " ([out, in, kH, kW])");
        ConvGeometry geo = new ConvGeometry(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride, stride, padding, padding);
        Tensor out = Tensor.zeros(xs[0], ws[0], geo.outH(), geo.outW());
        float[] xd = x.value().data(), wd = w.value().data();
        ConvKernels.forward(geo, xd, wd, bias == null ? null : bias.value().data(), out.data());
        return Variable.result("conv2d", out, g -> {
            Tensor gx = x.requiresGrad() ? Tensor.zeros(xs) : null;
            float[] dw = w.requiresGrad() ? w.gradBuffer() : null;
            float[] db = bias != null && bias.requiresGrad() ? bias.gradBuffer() : null;
            ConvKernels.backward(geo, xd, wd, g.data(), gx == null ? null : gx.data(), dw, db);
            if (gx != null) x.accumulateGradOwned(gx);
        }, x, w, bias);
    }
}
