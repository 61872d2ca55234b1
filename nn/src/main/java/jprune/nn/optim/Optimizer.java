package jprune.nn.optim;

import java.util.List;
import jprune.nn.Parameter;

/**
 * Updates parameters from their gradients. Masked parameters stay masked: the gradient and any
 * optimizer state are masked before the update, and the value is re-masked after it.
 */
public abstract class Optimizer {
    protected final List<Parameter> params;
    private double lr;

    protected Optimizer(List<Parameter> params, double lr) {
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        this.params = List.copyOf(params);
        this.lr = lr;
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
            p.applyMask();
        }
    }

    /** Updates parameter i in place: w is its value, g its (already masked) gradient. */
    protected abstract void update(int index, Parameter p, float[] w, float[] g, float lr);

    public final void zeroGrad() {
        for (Parameter p : params) p.zeroGrad();
    }
}
