package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.autograd.Activation;
import jprune.nn.autograd.Variable;

/** Hyperbolic tangent. */
public final class Tanh extends Module {
    @Override
    protected Variable compute(Variable x) {
        return Activation.tanh(x);
    }
}
