package jprune.nn.models;

import jprune.nn.Module;
import jprune.nn.autograd.Arithmetic;
import jprune.nn.autograd.Variable;
import jprune.nn.layers.GELU;
import jprune.nn.layers.LayerNorm;
import jprune.nn.layers.Linear;
import jprune.nn.layers.MultiHeadSelfAttention;
import jprune.nn.layers.Sequential;
import jprune.tensor.Rng;

/** Pre-norm transformer encoder block: x + attn(norm1(x)), then x + mlp(norm2(x)). */
public final class TransformerBlock extends Module {
    private final LayerNorm norm1, norm2;
    private final MultiHeadSelfAttention attn;
    private final Sequential mlp;
    private final Linear fc1, fc2;

    public TransformerBlock(int dim, int heads, int headDim, int mlpDim, Rng rng) {
        this.norm1 = registerModule("norm1", new LayerNorm(dim));
        this.attn = registerModule("attn", new MultiHeadSelfAttention(dim, heads, headDim, rng));
        this.norm2 = registerModule("norm2", new LayerNorm(dim));
        if (mlpDim < 1) throw new IllegalArgumentException("a transformer block needs an MLP width >= 1, got " + mlpDim);
        this.fc1 = new Linear(dim, mlpDim, true, rng);
        this.fc2 = new Linear(mlpDim, dim, true, rng);
        this.mlp = registerModule("mlp", new Sequential()
                .add("fc1", fc1)
                .add("act", new GELU())
                .add("fc2", fc2));
    }

    public LayerNorm norm1() {
        return norm1;
    }

    public LayerNorm norm2() {
        return norm2;
    }

    /** The MLP's first layer (GELU follows it). */
    public Linear fc1() {
        return fc1;
    }

    public Linear fc2() {
        return fc2;
    }

    /** The attention layer (query, key, value, out). */
    public MultiHeadSelfAttention attention() {
        return attn;
    }

    /** Hidden neurons of the MLP (fc1's outputs). */
    public int mlpWidth() {
        return fc1.outFeatures();
    }

    @Override
    protected Variable compute(Variable x) {
        Variable h = Arithmetic.add(x, attn.forward(norm1.forward(x)));
        return Arithmetic.add(h, mlp.forward(norm2.forward(h)));
    }
}
