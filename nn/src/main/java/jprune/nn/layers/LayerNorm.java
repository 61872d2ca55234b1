package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.Normalization;
import jprune.nn.autograd.Variable;
import jprune.tensor.Tensor;

/** Layer normalisation over the last dimension with learned scale and shift. */
public final class LayerNorm extends Module {
    private final int dim;
    private final float eps;
    private final Parameter weight, bias;

    public LayerNorm(int dim) {
        this(dim, 1e-5f);
    }

    public LayerNorm(int dim, float eps) {
        this.dim = dim;
        this.eps = eps;
        this.weight = registerParameter("weight", new Parameter(Tensor.full(1f, dim), Parameter.Kind.NORM_SCALE));
        this.bias = registerParameter("bias", new Parameter(Tensor.zeros(dim), Parameter.Kind.NORM_SHIFT));
    }

    public int dim() {
        return dim;
    }

    @Override
    protected Variable compute(Variable x) {
        return Normalization.layerNorm(x, weight, bias, eps);
    }
}
