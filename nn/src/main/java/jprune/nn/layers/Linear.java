package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.MatMul;
import jprune.nn.autograd.Variable;
import jprune.tensor.Rng;

/** y = x·Wᵀ + b with W stored [out, in] as in PyTorch; x may have leading dimensions. */
public final class Linear extends Module {
    private final int in, out;
    private final Parameter weight, bias;

    public Linear(int in, int out, boolean bias, Rng rng) {
        if (in < 1 || out < 1) throw new IllegalArgumentException("Linear needs positive sizes, got in=" + in + " out=" + out);
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", new Parameter(Init.uniformFanIn(rng, in, out, in), Parameter.Kind.WEIGHT));
        this.bias = bias ? registerParameter("bias", new Parameter(Init.uniformFanIn(rng, in, out), Parameter.Kind.BIAS)) : null;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
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
        return MatMul.linear(x, weight, bias);
    }
}
