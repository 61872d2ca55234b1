package jprune.tensor;

/** Copies that change the memory layout: permutations, slices along a dimension, concatenation. */
public final class Layout {
    private Layout() {}

    /** Returns t with its dimensions reordered: out.shape[i] = t.shape[perm[i]]. */
    public static Tensor permute(Tensor t, int... perm) {
        int[] s = t.shape();
        int nd = s.length;
        if (perm.length != nd) throw new IllegalArgumentException("permutation " + Shape.str(perm) + " for a tensor of rank " + nd);
        boolean[] seen = new boolean[nd];
        int[] outShape = new int[nd];
        for (int i = 0; i < nd; i++) {
            if (perm[i] < 0 || perm[i] >= nd || seen[perm[i]])
                throw new IllegalArgumentException("invalid permutation " + Shape.str(perm) + " for rank " + nd);
            seen[perm[i]] = true;
            outShape[i] = s[perm[i]];
        }
        Tensor out = Tensor.zeros(outShape);
        int[] inStrides = Shape.strides(s);
        int[] srcStride = new int[nd];
        for (int i = 0; i < nd; i++) srcStride[i] = inStrides[perm[i]];
        float[] x = t.data(), y = out.data();
        if (y.length == 0) return out;
        // Innermost output dim copied in a tight loop; the rest walked by an odometer.
        int last = nd - 1, lastLen = outShape[last], lastStride = srcStride[last];
        int[] idx = new int[nd];
        int src = 0;
        for (int dst = 0; dst < y.length; dst += lastLen) {
            for (int j = 0; j < lastLen; j++) y[dst + j] = x[src + j * lastStride];
            for (int d = last - 1; d >= 0; d--) {
                idx[d]++;
                src += srcStride[d];
                if (idx[d] < outShape[d]) break;
                src -= srcStride[d] * outShape[d];
                idx[d] = 0;
            }
        }
        return out;
    }

    /** The inverse of a permutation. */
    public static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
        return inv;
    }

    /** Elements [start, start+length) along dim, as a new tensor. */
    public static Tensor narrow(Tensor t, int dim, int start, int length) {
        int[] s = t.shape();
        if (dim < 0 || dim >= s.length || start < 0 || length < 0 || start + length > s[dim])
            throw new IllegalArgumentException("narrow(dim " + dim + ", start " + start + ", length " + length + ") out of range for shape " + Shape.str(s));
        int[] os = s.clone();
        os[dim] = length;
        Tensor out = Tensor.zeros(os);
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= s[i];
        for (int i = dim + 1; i < s.length; i++) inner *= s[i];
        for (int o = 0; o < outer; o++)
            System.arraycopy(t.data(), (o * s[dim] + start) * inner, out.data(), o * length * inner, length * inner);
        return out;
    }

    /** Adds src into dst's elements [start, start+src.size(dim)) along dim. */
    public static void addNarrowInPlace(Tensor dst, int dim, int start, Tensor src) {
        int[] s = dst.shape();
        int length = src.size(dim);
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= s[i];
        for (int i = dim + 1; i < s.length; i++) inner *= s[i];
        for (int o = 0; o < outer; o++)
            Elementwise.axpy(1f, src.data(), o * length * inner, dst.data(), (o * s[dim] + start) * inner, length * inner);
    }

    /** Concatenates tensors along dim; all other dimensions must match. */
    public static Tensor concat(int dim, Tensor... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("concat of no tensors");
        int[] s = parts[0].shape();
        int total = 0;
        for (Tensor p : parts) {
            int[] ps = p.shape();
            boolean ok = ps.length == s.length;
            for (int i = 0; ok && i < s.length; i++) ok = i == dim || ps[i] == s[i];
            if (!ok) throw new IllegalArgumentException("concat along dim " + dim + ": shape " + Shape.str(ps) + " does not match " + Shape.str(s));
            total += ps[dim];
        }
        int[] os = s.clone();
        os[dim] = total;
        Tensor out = Tensor.zeros(os);
        int offset = 0;
        for (Tensor p : parts) {
            addNarrowInPlace(out, dim, offset, p);
            offset += p.size(dim);
        }
        return out;
    }
}
