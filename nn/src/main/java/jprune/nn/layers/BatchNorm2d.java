package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.Normalization;
import jprune.nn.autograd.Variable;
import jprune.tensor.Tensor;

/**
 * Batch normalisation per channel of [N, C, H, W] (or [N, C]) input, with learned scale and shift
 * and running statistics (buffers running_mean, running_var) used in evaluation mode.
 */
public final class BatchNorm2d extends Module {
    private final int channels;
    private final float momentum, eps;
    private final Parameter weight, bias;
    private final Tensor runningMean, runningVar;

    public BatchNorm2d(int channels) {
        this(channels, 0.1f, 1e-5f);
    }

    public BatchNorm2d(int channels, float momentum, float eps) {
        if (channels < 1) throw new IllegalArgumentException("BatchNorm2d needs >= 1 channel, got " + channels);
        this.channels = channels;
        this.momentum = momentum;
        this.eps = eps;
        this.weight = registerParameter("weight", new Parameter(Tensor.full(1f, channels), Parameter.Kind.NORM_SCALE));
        this.bias = registerParameter("bias", new Parameter(Tensor.zeros(channels), Parameter.Kind.NORM_SHIFT));
        this.runningMean = registerBuffer("running_mean", Tensor.zeros(channels));
        this.runningVar = registerBuffer("running_var", Tensor.full(1f, channels));
    }

    public int channels() {
        return channels;
    }

    public float eps() {
        return eps;
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public Tensor runningMean() {
        return runningMean;
    }

    public Tensor runningVar() {
        return runningVar;
    }

    @Override
    protected Variable compute(Variable x) {
        return Normalization.batchNorm(x, weight, bias, runningMean, runningVar, isTraining(), momentum, eps);
    }
}
