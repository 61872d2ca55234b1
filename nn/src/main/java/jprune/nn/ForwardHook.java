package jprune.nn;

import jprune.nn.autograd.Variable;

/**
 * Called after a module's forward with its input and output. Pruning criteria use it to read
 * activations (e.g. input norms for Wanda) and, via {@link Variable#registerGradHook}, output gradients.
 */
@FunctionalInterface
public interface ForwardHook {
    void afterForward(Module module, Variable input, Variable output);
}
