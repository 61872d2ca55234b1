package jprune.nn.optim;

import java.util.List;
import jprune.nn.Parameter;

/**
 * Stochastic gradient descent with PyTorch's semantics: coupled weight decay (g += wd·w),
 * momentum buffer v = μ·v + g (dampening 0), Nesterov step g + μ·v, then w −= lr·step.
 */
public final class Sgd extends Optimizer {
    private final float momentum, weightDecay;
    private final boolean nesterov;
    private final float[][] velocity;

    public Sgd(List<Parameter> params, double lr, double momentum, boolean nesterov, double weightDecay) {
        super(params, lr);
        if (momentum < 0 || momentum >= 1) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        if (weightDecay < 0) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        if (nesterov && momentum == 0) throw new IllegalArgumentException("Nesterov momentum needs momentum > 0");
        this.momentum = (float) momentum;
        this.nesterov = nesterov;
        this.weightDecay = (float) weightDecay;
        this.velocity = new float[this.params.size()][];
    }

    /** Whether the velocity being updated is new this step (PyTorch starts it at the gradient). */
    private boolean first;

    @Override
    protected void begin(int index, int n, float lr) {
        first = momentum != 0 && velocity[index] == null;
        if (first) velocity[index] = new float[n];
    }

    @Override
    protected void update(int index, float[] w, float[] g, float lr, int from, int to) {
        float wd = weightDecay, mu = momentum;
        if (mu == 0) {
            for (int i = from; i < to; i++) w[i] -= lr * (g[i] + wd * w[i]);
            return;
        }
        float[] v = velocity[index];
        boolean first = this.first;
        for (int i = from; i < to; i++) {
            float gi = g[i] + wd * w[i];
            float vi = first ? gi : mu * v[i] + gi;
            v[i] = vi;
            w[i] -= lr * (nesterov ? gi + mu * vi : vi);
        }
    }

    @Override
    protected void maskState(int index, Parameter p) {
        if (velocity[index] != null) p.maskInPlace(velocity[index]);
    }
}
