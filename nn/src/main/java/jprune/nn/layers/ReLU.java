package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.autograd.Activation;
import jprune.nn.autograd.Variable;

/** max(x, 0). */
public final class ReLU extends Module {
    @Override
    protected Variable compute(Variable x) {
        return Activation.relu(x);
    }
}
