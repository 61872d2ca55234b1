package jprune.nn.autograd;

import jprune.tensor.Elementwise;
import jprune.tensor.Tensor;

/** Row lookup in an embedding table [vocab, dim]; the gradient scatters back into the rows used. */
public final class EmbeddingOp {
    private EmbeddingOp() {}

    /** Returns [ids.length, dim] (callers reshape to their batch layout). */
    public static Variable lookup(Variable table, int[] ids) {
        int[] ts = table.shape();
        int vocab = ts[0], dim = ts[1];
        Tensor out = Tensor.zeros(ids.length, dim);
        float[] w = table.value().data(), y = out.data();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) throw new IllegalArgumentException("token id " + ids[i] + " at position " + i + " outside [0, " + vocab + ")");
            System.arraycopy(w, ids[i] * dim, y, i * dim, dim);
        }
        return Variable.result("embedding", out, g -> {
            float[] gw = table.gradBuffer(), gd = g.data();
            for (int i = 0; i < ids.length; i++) Elementwise.axpy(1f, gd, i * dim, gw, ids[i] * dim, dim);
        }, table);
    }
}
