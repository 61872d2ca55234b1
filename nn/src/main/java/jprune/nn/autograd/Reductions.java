package jprune.nn.autograd;

import jprune.tensor.Elementwise;
import jprune.tensor.Shape;
import jprune.tensor.Tensor;

/** Differentiable sums and means, over everything or one dimension. */
public final class Reductions {
    private Reductions() {}

    /** Sum of all elements, a scalar. */
    public static Variable sum(Variable a) {
        float s = (float) sumDouble(a.value().data());
        return Variable.result("sum", Tensor.scalar(s), g -> a.accumulateGradOwned(Tensor.full(g.item(), a.shape())), a);
    }

    /** Mean of all elements, a scalar. */
    public static Variable mean(Variable a) {
        int n = a.numel();
        float s = (float) (sumDouble(a.value().data()) / n);
        return Variable.result("mean", Tensor.scalar(s), g -> a.accumulateGradOwned(Tensor.full(g.item() / n, a.shape())), a);
    }

    /** Sum over dimension dim (negative counts from the end). */
    public static Variable sum(Variable a, int dim, boolean keepDim) {
        return reduce(a, dim, keepDim, false);
    }

    /** Mean over dimension dim (negative counts from the end). */
    public static Variable mean(Variable a, int dim, boolean keepDim) {
        return reduce(a, dim, keepDim, true);
    }

    private static Variable reduce(Variable a, int dim, boolean keepDim, boolean mean) {
        int[] s = a.shape();
        int d = dim < 0 ? s.length + dim : dim;
        if (d < 0 || d >= s.length) throw new IllegalArgumentException("dim " + dim + " out of range for shape " + Shape.str(s));
        int outer = 1, inner = 1, len = s[d];
        for (int i = 0; i < d; i++) outer *= s[i];
        for (int i = d + 1; i < s.length; i++) inner *= s[i];
        int[] outShape = outShape(s, d, keepDim);
        Tensor out = Tensor.zeros(outShape);
        float[] x = a.value().data(), y = out.data();
        float scale = mean ? 1f / len : 1f;
        for (int o = 0; o < outer; o++) {
            for (int l = 0; l < len; l++) {
                Elementwise.binary(Elementwise.Op.ADD, y, o * inner, x, (o * len + l) * inner, y, o * inner, inner);
            }
        }
        if (mean) Elementwise.scale(y, 0, y.length, scale);
        final int fOuter = outer, fInner = inner;
        return Variable.result(mean ? "mean_dim" : "sum_dim", out, g -> {
            Tensor ga = Tensor.zeros(s);
            float[] gd = g.data(), gad = ga.data();
            for (int o = 0; o < fOuter; o++) {
                for (int l = 0; l < len; l++) {
                    int dst = (o * len + l) * fInner;
                    System.arraycopy(gd, o * fInner, gad, dst, fInner);
                    if (mean) Elementwise.scale(gad, dst, fInner, scale);
                }
            }
            a.accumulateGradOwned(ga);
        }, a);
    }

    private static int[] outShape(int[] s, int d, boolean keepDim) {
        if (keepDim) {
            int[] o = s.clone();
            o[d] = 1;
            return o;
        }
        int[] o = new int[s.length - 1];
        for (int i = 0, j = 0; i < s.length; i++) if (i != d) o[j++] = s[i];
        return o;
    }

    static double sumDouble(float[] x) {
        double s = 0;
        for (float v : x) s += v;
        return s;
    }
}
