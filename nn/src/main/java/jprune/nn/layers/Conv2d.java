package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.Convolution;
import jprune.nn.autograd.Variable;
import jprune.tensor.Rng;

/** 2-D convolution, square kernel, weight [out, in, k, k] as in PyTorch. */
public final class Conv2d extends Module {
    private final int in, out, kernel, stride, padding;
    private final Parameter weight, bias;

    public Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias, Rng rng) {
        if (in < 1 || out < 1 || kernel < 1 || stride < 1 || padding < 0)
            throw new IllegalArgumentException("Conv2d needs positive channels/kernel/stride and padding >= 0, got in=" + in + " out=" + out
                    + " kernel=" + kernel + " stride=" + stride + " padding=" + padding);
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        int fanIn = in * kernel * kernel;
        this.weight = registerParameter("weight", new Parameter(Init.uniformFanIn(rng, fanIn, out, in, kernel, kernel), Parameter.Kind.WEIGHT));
        this.bias = bias ? registerParameter("bias", new Parameter(Init.uniformFanIn(rng, fanIn, out), Parameter.Kind.BIAS)) : null;
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return out;
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

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public Parameter bias() {
        return bias;
    }

    @Override
    protected Variable compute(Variable x) {
        return Convolution.conv2d(x, weight, bias, stride, padding);
    }
}
