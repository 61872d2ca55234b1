package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.autograd.DropoutOp;
import jprune.nn.autograd.Variable;
import jprune.tensor.Rng;

/** Inverted dropout in training mode, identity in evaluation mode. */
public final class Dropout extends Module {
    private final float p;
    private final Rng rng;

    public Dropout(float p, Rng rng) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        this.p = p;
        this.rng = rng;
    }

    @Override
    protected Variable compute(Variable x) {
        return isTraining() ? DropoutOp.apply(x, p, rng) : x;
    }
}
