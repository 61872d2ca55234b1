package jprune.nn.optim;

import java.util.List;
import jprune.nn.Parameter;

/**
 * Updates parameters from their gradients. Masked parameters stay masked: the gradient is masked
 * before every update and the value re-masked after it. Optimizer state (momentum, moments) is
 * masked when the mask changes; afterwards it stays zero at masked entries by itself, since every
 * update there adds a masked (zero) gradient to a zero state, so masking it on every step would only
 * cost time (two passes over every weight per step).
 */
public abstract class Optimizer {
    protected final List<Parameter> params;
    private double lr;
    /** Each parameter's mask version when its state was last masked. */
    private final int[] maskedAtVersion;

    protected Optimizer(List<Parameter> params, double lr) {
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        this.params = List.copyOf(params);
        this.lr = lr;
        this.maskedAtVersion = new int[this.params.size()];
    }

    public double lr() {
        return lr;
    }

    /** Sets the learning rate (schedules call this before each step). */
    public void setLr(double lr) {
        this.lr = lr;
    }

    /** One update of every parameter that has a gradient. */
    public final void step() {
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (p.grad() == null) continue;
            float[] g = p.grad().data();
            p.maskInPlace(g);
            update(i, p, p.value().data(), g, (float) lr);
            if (p.hasMask() && p.maskVersion() != maskedAtVersion[i]) {
                maskState(i, p);
                maskedAtVersion[i] = p.maskVersion();
            }
            p.applyMask();
        }
    }

    /** Updates parameter i in place: w is its value, g its (already masked) gradient. */
    protected abstract void update(int index, Parameter p, float[] w, float[] g, float lr);

    /** Zeroes parameter i's per-entry state at its masked entries (called after an update when the mask has changed). */
    protected abstract void maskState(int index, Parameter p);

    public final void zeroGrad() {
        for (Parameter p : params) p.zeroGrad();
    }
}
