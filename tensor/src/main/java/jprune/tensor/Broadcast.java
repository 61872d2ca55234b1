package jprune.tensor;

/**
 * Broadcasting binary operations and their gradient reduction ({@link #sumToShape}). The general
 * path walks an odometer over the output; common layouts take vectorised fast paths.
 */
public final class Broadcast {
    private Broadcast() {}

    /** a op b with NumPy broadcasting. */
    public static Tensor binary(Elementwise.Op op, Tensor a, Tensor b) {
        int[] outShape = Shape.broadcast(a.shape(), b.shape());
        Tensor out = Tensor.zeros(outShape);
        int n = out.numel();
        float[] ad = a.data(), bd = b.data(), od = out.data();
        if (a.numel() == n && b.numel() == n) {
            Elementwise.binary(op, ad, 0, bd, 0, od, 0, n);
        } else if (b.numel() == 1 && a.numel() == n) {
            Elementwise.binaryScalar(op, ad, 0, bd[0], od, 0, n);
        } else if (a.numel() == n && isSuffix(b.shape(), outShape)) {
            int inner = b.numel();
            for (int off = 0; off < n; off += inner) Elementwise.binary(op, ad, off, bd, 0, od, off, inner);
        } else {
            general(op, a, b, out);
        }
        return out;
    }

    /** True when `small` equals the trailing dims of `big` (leading 1s ignored). */
    static boolean isSuffix(int[] small, int[] big) {
        int lead = 0;
        while (lead < small.length && small[lead] == 1) lead++;
        int len = small.length - lead;
        if (len > big.length) return false;
        for (int i = 0; i < len; i++) if (small[lead + i] != big[big.length - len + i]) return false;
        return true;
    }

    private static void general(Elementwise.Op op, Tensor a, Tensor b, Tensor out) {
        int[] os = out.shape();
        int nd = os.length;
        int[] sa = broadcastStrides(a.shape(), nd), sb = broadcastStrides(b.shape(), nd);
        int[] idx = new int[nd];
        float[] ad = a.data(), bd = b.data(), od = out.data();
        int ia = 0, ib = 0;
        for (int i = 0; i < od.length; i++) {
            od[i] = op.apply(ad[ia], bd[ib]);
            for (int d = nd - 1; d >= 0; d--) {
                idx[d]++;
                ia += sa[d];
                ib += sb[d];
                if (idx[d] < os[d]) break;
                ia -= sa[d] * os[d];
                ib -= sb[d] * os[d];
                idx[d] = 0;
            }
        }
    }

    /** Strides of `shape` aligned to rank nd, with 0 for broadcast (size-1 or missing) dims. */
    static int[] broadcastStrides(int[] shape, int nd) {
        int[] s = new int[nd];
        int[] own = Shape.strides(shape);
        for (int i = 0; i < shape.length; i++) {
            int d = nd - shape.length + i;
            s[d] = shape[i] == 1 ? 0 : own[i];
        }
        return s;
    }

    /**
     * Sums g (of a broadcast output shape) down to `shape`, the gradient rule for broadcasting.
     * Returns g itself when the shapes already match.
     */
    public static Tensor sumToShape(Tensor g, int[] shape) {
        if (g.hasShape(shape)) return g;
        Tensor out = Tensor.zeros(shape);
        int n = g.numel(), m = out.numel();
        float[] gd = g.data(), od = out.data();
        if (m == 1) {
            od[0] = Elementwise.sum(gd, 0, n);
        } else if (isSuffix(shape, g.shape())) {
            for (int off = 0; off < n; off += m) Elementwise.binary(Elementwise.Op.ADD, od, 0, gd, off, od, 0, m);
        } else {
            int[] gs = g.shape();
            int nd = gs.length;
            int[] so = broadcastStrides(shape, nd);
            int[] idx = new int[nd];
            int io = 0;
            for (int i = 0; i < n; i++) {
                od[io] += gd[i];
                for (int d = nd - 1; d >= 0; d--) {
                    idx[d]++;
                    io += so[d];
                    if (idx[d] < gs[d]) break;
                    io -= so[d] * gs[d];
                    idx[d] = 0;
                }
            }
        }
        return out;
    }
}
