package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.Normalization;
import jprune.nn.autograd.Variable;
import jprune.tensor.Tensor;

/**
 * Layer normalisation over the last dimension with learned scale and shift. When the scale carries
 * a mask (structured pruning of the residual width), the masked features are treated as removed:
 * mean and variance come from the kept ones, exactly as in the narrower model compaction builds.
 */
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

    public float eps() {
        return eps;
    }

    /** The scale (gamma); a mask on it removes features (see the class comment). */
    public Parameter weight() {
        return weight;
    }

    /** The shift (beta). */
    public Parameter bias() {
        return bias;
    }

    @Override
    protected Variable compute(Variable x) {
        int[] kept = keptFeatures();
        return kept == null ? Normalization.layerNorm(x, weight, bias, eps) : Normalization.layerNormOver(x, weight, bias, eps, kept);
    }

    private int[] cachedKept;
    private int cachedMaskVersion = -1;

    /** The features the scale's mask keeps, or null when none is masked. */
    private int[] keptFeatures() {
        if (!weight.hasMask()) return null;
        if (cachedMaskVersion != weight.maskVersion()) {
            float[] m = weight.mask().data();
            int[] kept = java.util.stream.IntStream.range(0, dim).filter(i -> m[i] != 0f).toArray();
            cachedKept = kept.length == dim ? null : kept;
            cachedMaskVersion = weight.maskVersion();
        }
        return cachedKept;
    }
}
