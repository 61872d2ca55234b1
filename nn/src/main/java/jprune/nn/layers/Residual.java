package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.autograd.Arithmetic;
import jprune.nn.autograd.Variable;

/** x + block(x): a residual connection around a block (the block's child name is "block"). */
public final class Residual extends Module {
    private final Module block;

    public Residual(Module block) {
        this.block = registerModule("block", block);
    }

    @Override
    protected Variable compute(Variable x) {
        return Arithmetic.add(x, block.forward(x));
    }
}
