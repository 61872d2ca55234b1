package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.autograd.Reshaping;
import jprune.nn.autograd.Variable;

/** Flattens every dimension after the batch dimension: [N, C, H, W] → [N, C·H·W]. */
public final class Flatten extends Module {
    @Override
    protected Variable compute(Variable x) {
        return Reshaping.flatten(x, 1);
    }
}
