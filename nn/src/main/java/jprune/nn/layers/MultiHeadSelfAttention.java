package jprune.nn.layers;

import jprune.nn.Module;
import jprune.nn.autograd.Arithmetic;
import jprune.nn.autograd.MatMul;
import jprune.nn.autograd.Reshaping;
import jprune.nn.autograd.SoftmaxOp;
import jprune.nn.autograd.Variable;
import jprune.tensor.AttentionKernels;
import jprune.tensor.Rng;
import jprune.tensor.Shape;
import jprune.tensor.Tensor;

/**
 * Multi-head self-attention over [N, T, D]. Query, key, value and output projections are separate
 * Linear layers (query, key, value, out) so that heads can later be pruned as row/column groups.
 */
public final class MultiHeadSelfAttention extends Module {
    private final int heads, headDim;
    private final Linear query, key, value, out;

    public MultiHeadSelfAttention(int dim, int heads, int headDim, Rng rng) {
        if (heads < 1 || headDim < 1) throw new IllegalArgumentException("attention needs heads >= 1 and head dim >= 1, got " + heads + ", " + headDim);
        this.heads = heads;
        this.headDim = headDim;
        int inner = heads * headDim;
        this.query = registerModule("query", new Linear(dim, inner, true, rng));
        this.key = registerModule("key", new Linear(dim, inner, true, rng));
        this.value = registerModule("value", new Linear(dim, inner, true, rng));
        this.out = registerModule("out", new Linear(inner, dim, true, rng));
    }

    public int heads() {
        return heads;
    }

    public int headDim() {
        return headDim;
    }

    public Linear query() {
        return query;
    }

    public Linear key() {
        return key;
    }

    public Linear value() {
        return value;
    }

    /** The output projection, from the heads' concatenated context back to the model width. */
    public Linear out() {
        return out;
    }

    @Override
    protected Variable compute(Variable x) {
        int[] s = x.shape();
        if (s.length != 3) throw new IllegalArgumentException("attention expects [batch, tokens, dim], got " + Shape.str(s));
        int n = s[0], t = s[1];
        Variable pq = query.forward(x), pk = key.forward(x), pv = value.forward(x);   // [N, T, H·hd]
        float scale = (float) (1 / Math.sqrt(headDim));
        if (!pq.requiresGrad() && !pk.requiresGrad() && !pv.requiresGrad()) {
            // Nothing to differentiate (no-grad mode, or frozen weights and input): the fused kernel
            // reads the heads where the projections left them and rounds exactly as the ops below.
            int inner = heads * headDim;
            Tensor context = Tensor.zeros(n, t, inner);
            AttentionKernels.forward(n, t, heads, headDim, scale, pq.value().data(), pk.value().data(), pv.value().data(),
                    inner, context.data(), inner);
            return out.forward(Variable.constant(context));
        }
        Variable q = split(pq, n, t);                               // [N, H, T, hd]
        Variable k = split(pk, n, t);
        Variable v = split(pv, n, t);
        Variable scores = Arithmetic.mulScalar(MatMul.matmul(q, Reshaping.transpose(k, -1, -2)), scale);
        Variable context = MatMul.matmul(SoftmaxOp.softmax(scores), v);  // [N, H, T, hd]
        Variable merged = Reshaping.reshape(Reshaping.permute(context, 0, 2, 1, 3), n, t, heads * headDim);
        return out.forward(merged);
    }

    private Variable split(Variable projected, int n, int t) {
        return Reshaping.permute(Reshaping.reshape(projected, n, t, heads, headDim), 0, 2, 1, 3);
    }
}
