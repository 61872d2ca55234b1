package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.autograd.Pooling;
import jprune.nn.autograd.Variable;

/** Average pooling with a square window (padding counted in the average, as PyTorch's default). */
public final class AvgPool2d extends Module {
    private final int kernel, stride, padding;

    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public AvgPool2d(int kernel, int stride, int padding) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    protected Variable compute(Variable x) {
        return Pooling.avgPool2d(x, kernel, stride, padding);
    }
}
