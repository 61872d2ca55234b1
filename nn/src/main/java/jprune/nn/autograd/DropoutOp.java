package jprune.nn.autograd;

import jprune.tensor.Rng;
import jprune.tensor.Tensor;

/** Inverted dropout: zero each element with probability p and scale survivors by 1/(1−p). */
public final class DropoutOp {
    private DropoutOp() {}

    public static Variable apply(Variable x, float p, Rng rng) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        if (p == 0) return x;
        float keep = 1f / (1 - p);
        float[] xd = x.value().data();
        float[] mask = new float[xd.length];
        Tensor out = Tensor.zeros(x.shape());
        float[] y = out.data();
        for (int i = 0; i < xd.length; i++) {
            mask[i] = rng.nextFloat() >= p ? keep : 0f;
            y[i] = xd[i] * mask[i];
        }
        return Variable.result("dropout", out, g -> {
            Tensor gx = Tensor.zeros(g.shape());
            float[] gd = g.data(), d = gx.data();
            for (int i = 0; i < d.length; i++) d[i] = gd[i] * mask[i];
            x.accumulateGradOwned(gx);
        }, x);
    }
}
