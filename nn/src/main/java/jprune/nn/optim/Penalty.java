package jprune.nn.optim;

import java.util.List;
import jprune.nn.Parameter;

/**
 * Optional L1 and L2 penalties on weights (Parameter.Kind.WEIGHT): adds l1·sign(w) + l2·w to the
 * gradients, the gradient of l1·Σ|w| + (l2/2)·Σw². L1 drives weights toward zero before pruning.
 */
public final class Penalty {
    private final double l1, l2;

    public Penalty(double l1, double l2) {
        if (l1 < 0 || l2 < 0) throw new IllegalArgumentException("penalties must be >= 0, got l1=" + l1 + " l2=" + l2);
        this.l1 = l1;
        this.l2 = l2;
    }

    public boolean isActive() {
        return l1 > 0 || l2 > 0;
    }

    /** The penalty's value for reporting. */
    public double value(List<Parameter> params) {
        double s = 0;
        for (Parameter p : params) {
            if (p.kind() != Parameter.Kind.WEIGHT) continue;
            for (float w : p.value().data()) s += l1 * Math.abs(w) + 0.5 * l2 * w * w;
        }
        return s;
    }

    /** Adds the penalty's gradient to each weight's gradient. */
    public void addGradients(List<Parameter> params) {
        if (!isActive()) return;
        float a = (float) l1, b = (float) l2;
        for (Parameter p : params) {
            if (p.kind() != Parameter.Kind.WEIGHT) continue;
            float[] w = p.value().data(), g = p.gradBuffer();
            for (int i = 0; i < w.length; i++) g[i] += a * Math.signum(w[i]) + b * w[i];
        }
    }
}
