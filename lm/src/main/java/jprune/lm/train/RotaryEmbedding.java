package jprune.lm.train;

import jprune.lm.model.LmConfig;
import jprune.lm.model.Rope;
import jprune.nn.autograd.Variable;
import jprune.tensor.Parallel;
import jprune.tensor.Tensor;

/**
 * Rotary position embedding (rotate-half: feature i of a head turns with feature i + headDim/2) as
 * a differentiable op over [batch·seqlen, heads·headDim], token r at position r mod seqlen. The
 * angles come from the inference model's {@link Rope}, so training and inference rotate alike; the
 * backward is the rotation by the opposite angle.
 */
public final class RotaryEmbedding {
    private final int headDim, seqlen;
    private final float[] cos, sin;

    /** Tables for positions 0 .. seqlen−1 of the config's rope. */
    public RotaryEmbedding(LmConfig config, int seqlen) {
        this.headDim = config.headDim();
        this.seqlen = seqlen;
        int half = headDim / 2;
        cos = new float[seqlen * half];
        sin = new float[seqlen * half];
        Rope rope = new Rope(config);
        float[] c = new float[half], s = new float[half];
        for (int p = 0; p < seqlen; p++) {
            rope.angles(p, c, s);
            System.arraycopy(c, 0, cos, p * half, half);
            System.arraycopy(s, 0, sin, p * half, half);
        }
    }

    public int seqlen() {
        return seqlen;
    }

    public Variable apply(Variable x) {
        int width = x.size(-1), rows = x.numel() / width;
        if (width % headDim != 0 || rows % seqlen != 0)
            throw new IllegalArgumentException("rope: input " + java.util.Arrays.toString(x.shape()) + " is not rows of whole heads of " + headDim + " in sequences of " + seqlen);
        float[] xd = x.value().data();
        Tensor out = Tensor.zeros(x.shape());
        rotate(xd, out.data(), rows, width, 1f, false);
        return Variable.result("rope", out, g -> rotate(g.data(), x.gradBuffer(), rows, width, -1f, true), x);
    }

    /** dst (+)= src turned by sign·angle. */
    private void rotate(float[] src, float[] dst, int rows, int width, float sign, boolean accumulate) {
        int half = headDim / 2;
        Parallel.forRange(rows, 16, (ch, from, to) -> {
            for (int r = from; r < to; r++) {
                int t = (r % seqlen) * half;
                for (int base = r * width; base < (r + 1) * width; base += headDim) {
                    for (int i = 0; i < half; i++) {
                        float a = src[base + i], b = src[base + half + i], c = cos[t + i], s = sign * sin[t + i];
                        float ya = a * c - b * s, yb = b * c + a * s;
                        if (accumulate) {
                            dst[base + i] += ya;
                            dst[base + half + i] += yb;
                        } else {
                            dst[base + i] = ya;
                            dst[base + half + i] = yb;
                        }
                    }
                }
            }
        });
    }
}
