package jprune.prune;

import java.util.Arrays;
import java.util.function.IntConsumer;

/** Index arithmetic on row-major tensors for {@link GroupSlice}s: visiting a slice, and narrowing along axes. */
public final class GroupSlices {
    private GroupSlices() {}

    /** Calls visit with the flat index of every element of the slice, in row-major order. */
    public static void forEach(int[] shape, GroupSlice s, IntConsumer visit) {
        if (s.axis() >= shape.length || s.to() > shape[s.axis()])
            throw new IllegalArgumentException("slice " + s + " does not fit tensor shape " + Arrays.toString(shape));
        int outer = 1, inner = 1, dim = shape[s.axis()];
        for (int a = 0; a < s.axis(); a++) outer *= shape[a];
        for (int a = s.axis() + 1; a < shape.length; a++) inner *= shape[a];
        for (int o = 0; o < outer; o++)
            for (int i = s.from(); i < s.to(); i++) {
                int base = (o * dim + i) * inner;
                for (int k = 0; k < inner; k++) visit.accept(base + k);
            }
    }

    /**
     * The tensor with only the kept indices along each axis (keep[a] null: the whole axis), in
     * order; returns the new data and writes the new shape into newShape.
     */
    public static float[] narrow(float[] data, int[] shape, int[][] keep, int[] newShape) {
        int rank = shape.length;
        int[][] idx = new int[rank][];
        int total = 1;
        for (int a = 0; a < rank; a++) {
            idx[a] = keep[a] != null ? keep[a] : java.util.stream.IntStream.range(0, shape[a]).toArray();
            newShape[a] = idx[a].length;
            total *= idx[a].length;
        }
        int[] stride = new int[rank];
        for (int a = rank - 1, s = 1; a >= 0; a--) {
            stride[a] = s;
            s *= shape[a];
        }
        float[] out = new float[total];
        int[] pos = new int[rank];
        for (int n = 0; n < total; n++) {
            int src = 0;
            for (int a = 0; a < rank; a++) src += idx[a][pos[a]] * stride[a];
            out[n] = data[src];
            for (int a = rank - 1; a >= 0; a--) {
                if (++pos[a] < idx[a].length) break;
                pos[a] = 0;
            }
        }
        return out;
    }
}
