package jprune.tensor;

import java.util.Arrays;

/**
 * A dense float32 N-d array in row-major order. The data array is always contiguous and starts at
 * index 0, so kernels can work on {@link #data()} directly. Methods named {@code *InPlace} mutate
 * this tensor; every other method returns a new tensor (or, for {@link #reshape}, a view sharing data).
 */
public final class Tensor {
    private final float[] data;
    private final int[] shape;

    private Tensor(float[] data, int[] shape) {
        this.data = data;
        this.shape = shape;
    }

    /** Wraps an existing array (not copied); its length must equal the shape's element count. */
    public static Tensor of(float[] data, int... shape) {
        int n = Shape.numel(shape);
        if (data.length != n)
            throw new IllegalArgumentException("data has " + data.length + " elements but shape " + Shape.str(shape) + " needs " + n);
        return new Tensor(data, shape.clone());
    }

    public static Tensor zeros(int... shape) {
        return new Tensor(new float[Shape.numel(shape)], shape.clone());
    }

    public static Tensor full(float value, int... shape) {
        Tensor t = zeros(shape);
        Arrays.fill(t.data, value);
        return t;
    }

    public static Tensor scalar(float value) {
        return new Tensor(new float[] {value}, new int[0]);
    }

    /** Independent N(0, std^2) entries. */
    public static Tensor randn(Rng rng, float std, int... shape) {
        Tensor t = zeros(shape);
        for (int i = 0; i < t.data.length; i++) t.data[i] = (float) (rng.nextGaussian() * std);
        return t;
    }

    /** Independent U(lo, hi) entries. */
    public static Tensor uniform(Rng rng, float lo, float hi, int... shape) {
        Tensor t = zeros(shape);
        for (int i = 0; i < t.data.length; i++) t.data[i] = lo + (hi - lo) * rng.nextFloat();
        return t;
    }

    public float[] data() {
        return data;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    public int dim() {
        return shape.length;
    }

    /** Size of dimension i; negative i counts from the end. */
    public int size(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public int numel() {
        return data.length;
    }

    public boolean sameShape(Tensor o) {
        return Arrays.equals(shape, o.shape);
    }

    public boolean hasShape(int... s) {
        return Arrays.equals(shape, s);
    }

    /** A view with a new shape over the same data; one entry may be -1. */
    public Tensor reshape(int... newShape) {
        return new Tensor(data, Shape.resolve(data.length, newShape));
    }

    public Tensor copy() {
        return new Tensor(data.clone(), shape);
    }

    public float item() {
        if (data.length != 1) throw new IllegalStateException("item() needs one element, tensor has shape " + Shape.str(shape));
        return data[0];
    }

    public float get(int... idx) {
        return data[offset(idx)];
    }

    public void set(float v, int... idx) {
        data[offset(idx)] = v;
    }

    private int offset(int[] idx) {
        if (idx.length != shape.length)
            throw new IllegalArgumentException("index of rank " + idx.length + " for tensor of shape " + Shape.str(shape));
        int off = 0;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i])
                throw new IndexOutOfBoundsException("index " + Arrays.toString(idx) + " out of bounds for shape " + Shape.str(shape));
            off = off * shape[i] + idx[i];
        }
        return off;
    }

    public void fillInPlace(float v) {
        Arrays.fill(data, v);
    }

    /** Copies src's values into this tensor; shapes must match. */
    public void copyFromInPlace(Tensor src) {
        if (!sameShape(src)) throw new IllegalArgumentException("copy from shape " + Shape.str(src.shape) + " into " + Shape.str(shape));
        System.arraycopy(src.data, 0, data, 0, data.length);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Shape.str(shape)).append(' ');
        int n = Math.min(data.length, 8);
        sb.append('[');
        for (int i = 0; i < n; i++) sb.append(i > 0 ? ", " : "").append(data[i]);
        if (data.length > n) sb.append(", ...");
        return sb.append(']').toString();
    }
}
