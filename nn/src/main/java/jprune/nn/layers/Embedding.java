package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.EmbeddingOp;
import jprune.nn.autograd.Reshaping;
import jprune.nn.autograd.Variable;
import jprune.tensor.Rng;

/** A table of vectors indexed by token id. Input: ids stored as floats [N, T]; output [N, T, dim]. */
public final class Embedding extends Module {
    private final Parameter weight;
    private final int dim;

    public Embedding(int vocab, int dim, Rng rng) {
        this.dim = dim;
        this.weight = registerParameter("weight", new Parameter(Init.normal(rng, 1f, vocab, dim), Parameter.Kind.EMBEDDING));
    }

    public Parameter weight() {
        return weight;
    }

    /** Looks up integer ids directly; the result has shape [ids.length, dim]. */
    public Variable lookup(int[] ids) {
        return EmbeddingOp.lookup(weight, ids);
    }

    @Override
    protected Variable compute(Variable x) {
        float[] f = x.value().data();
        int[] ids = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            ids[i] = (int) f[i];
            if (ids[i] != f[i]) throw new IllegalArgumentException("embedding input holds non-integer id " + f[i] + " at " + i);
        }
        int[] s = x.shape();
        int[] o = java.util.Arrays.copyOf(s, s.length + 1);
        o[s.length] = dim;
        return Reshaping.reshape(EmbeddingOp.lookup(weight, ids), o);
    }
}
