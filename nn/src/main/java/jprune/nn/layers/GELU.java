package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.autograd.Activation;
import jprune.nn.autograd.Variable;

/** x·Φ(x), the exact (erf) GELU. */
public final class GELU extends Module {
    @Override
    protected Variable compute(Variable x) {
        return Activation.gelu(x);
    }
}
