package jprune.nn.autograd;

import jprune.tensor.Elementwise;
import jprune.tensor.Layout;
import jprune.tensor.Tensor;

/** Differentiable shape changes: reshape, flatten, permute/transpose, narrow, concat. */
public final class Reshaping {
    private Reshaping() {}

    /** Same data, new shape (one entry may be -1). */
    public static Variable reshape(Variable a, int... shape) {
        int[] in = a.shape();
        Tensor out = a.value().reshape(shape);
        return Variable.result("reshape", out, g -> a.accumulateGrad(g.reshape(in)), a);
    }

    /** Flattens dimensions startDim..end into one (PyTorch's flatten(x, startDim)). */
    public static Variable flatten(Variable a, int startDim) {
        int[] s = a.shape();
        int[] o = new int[startDim + 1];
        System.arraycopy(s, 0, o, 0, startDim);
        int n = 1;
        for (int i = startDim; i < s.length; i++) n *= s[i];
        o[startDim] = n;
        return reshape(a, o);
    }

    public static Variable permute(Variable a, int... perm) {
        Tensor out = Layout.permute(a.value(), perm);
        int[] inv = Layout.inverse(perm);
        return Variable.result("permute", out, g -> a.accumulateGradOwned(Layout.permute(g, inv)), a);
    }

    /** Swaps two dimensions (negative indices count from the end). */
    public static Variable transpose(Variable a, int d0, int d1) {
        int nd = a.dim();
        int[] perm = new int[nd];
        for (int i = 0; i < nd; i++) perm[i] = i;
        d0 = d0 < 0 ? nd + d0 : d0;
        d1 = d1 < 0 ? nd + d1 : d1;
        perm[d0] = d1;
        perm[d1] = d0;
        return permute(a, perm);
    }

    public static Variable narrow(Variable a, int dim, int start, int length) {
        int d = dim < 0 ? a.dim() + dim : dim;
        Tensor out = Layout.narrow(a.value(), d, start, length);
        return Variable.result("narrow", out, g -> {
            Tensor ga = Tensor.zeros(a.shape());
            Layout.addNarrowInPlace(ga, d, start, g);
            a.accumulateGradOwned(ga);
        }, a);
    }

    public static Variable concat(int dim, Variable... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("concat of no variables");
        int d = dim < 0 ? parts[0].dim() + dim : dim;
        Tensor[] ts = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) ts[i] = parts[i].value();
        Tensor out = Layout.concat(d, ts);
        return Variable.result("concat", out, g -> {
            int offset = 0;
            for (Variable p : parts) {
                int len = p.size(d);
                if (p.requiresGrad()) p.accumulateGradOwned(Layout.narrow(g, d, offset, len));
                offset += len;
            }
        }, parts);
    }

    /** Repeats a along a new leading dimension of size n (broadcast copy, e.g. a class token per sample). */
    public static Variable expandLeading(Variable a, int n) {
        int[] s = a.shape();
        int[] o = new int[s.length + 1];
        o[0] = n;
        System.arraycopy(s, 0, o, 1, s.length);
        Tensor out = Tensor.zeros(o);
        int m = a.numel();
        for (int i = 0; i < n; i++) System.arraycopy(a.value().data(), 0, out.data(), i * m, m);
        return Variable.result("expand", out, g -> {
            Tensor ga = Tensor.zeros(s);
            for (int i = 0; i < n; i++) Elementwise.axpy(1f, g.data(), i * m, ga.data(), 0, m);
            a.accumulateGradOwned(ga);
        }, a);
    }
}
