package jprune.tensor;

import java.util.Arrays;

/** Static helpers for shapes: element counts, row-major strides and NumPy-style broadcasting. */
public final class Shape {
    private Shape() {}

    /** Number of elements of a shape; rejects negative dimensions and overflow past int range. */
    public static int numel(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + str(shape));
            n *= d;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31-1 elements");
        }
        return (int) n;
    }

    /** Row-major strides (in elements) of a shape. */
    public static int[] strides(int... shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** The broadcast shape of two shapes (NumPy rules: align trailing dims, 1 stretches). */
    public static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException("shapes " + str(a) + " and " + str(b) + " cannot be broadcast together");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Resolves one -1 entry of a requested reshape against the element count. */
    public static int[] resolve(int numel, int... shape) {
        int[] out = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one -1 allowed in reshape " + str(shape));
                infer = i;
            } else {
                if (out[i] < 0) throw new IllegalArgumentException("negative dimension in reshape " + str(shape));
                known *= out[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0)
                throw new IllegalArgumentException("cannot reshape " + numel + " elements to " + str(shape));
            out[infer] = (int) (numel / known);
        }
        if (numel(out) != numel) throw new IllegalArgumentException("cannot reshape " + numel + " elements to " + str(shape));
        return out;
    }

    public static String str(int... shape) {
        return Arrays.toString(shape);
    }
}
