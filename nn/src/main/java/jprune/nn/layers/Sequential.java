package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.autograd.Variable;

/** Runs its children in order. Children are named by index ("0", "1", …) unless named explicitly. */
public final class Sequential extends Module {
    private int count;

    public Sequential(Module... modules) {
        for (Module m : modules) add(m);
    }

    /** Appends a child named by its index. */
    public Sequential add(Module m) {
        registerModule(Integer.toString(count++), m);
        return this;
    }

    /** Appends a named child. */
    public Sequential add(String name, Module m) {
        registerModule(name, m);
        count++;
        return this;
    }

    public int size() {
        return count;
    }

    @Override
    protected Variable compute(Variable x) {
        for (Module m : children().values()) x = m.forward(x);
        return x;
    }
}
