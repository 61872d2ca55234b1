package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.autograd.Pooling;
import jprune.nn.autograd.Variable;

/** Max pooling with a square window. */
public final class MaxPool2d extends Module {
    private final int kernel, stride, padding;

    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public MaxPool2d(int kernel, int stride, int padding) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    public int kernel() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    @Override
    protected Variable compute(Variable x) {
        return Pooling.maxPool2d(x, kernel, stride, padding);
    }
}
