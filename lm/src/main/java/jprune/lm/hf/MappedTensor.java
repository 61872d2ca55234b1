package jprune.lm.hf;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor of a checkpoint, read in place from its memory-mapped file: nothing is copied until a
 * caller asks for floats. dtype is null when the file stores a type we do not compute with (an
 * integer buffer, say); such a tensor can be listed and copied but not read as floats.
 */
public record MappedTensor(String name, String storedDtype, DType dtype, long[] shape, MemorySegment data) {

    /** Number of elements. */
    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** The shape as ints (every checkpoint dimension fits). */
    public int[] intShape() {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) s[i] = Math.toIntExact(shape[i]);
        return s;
    }

    /** The dtype, or a one-line error naming the tensor when it is not one we compute with. */
    public DType requireFloat() {
        if (dtype == null)
            throw new IllegalStateException("tensor '" + name + "' is stored as " + storedDtype + "; supported: F32, F16, BF16");
        return dtype;
    }

    /** All elements widened to fp32, on the heap (for small tensors: norms, biases, embeddings rows...). */
    public float[] toFloats() {
        DType t = requireFloat();
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalStateException("tensor '" + name + "' has " + n + " elements: too many for one array");
        float[] out = new float[(int) n];
        t.read(data, 0, out, 0, out.length);
        return out;
    }

    /** Copies elements [from, from+n) into dst[off..], widened to fp32. */
    public void read(long from, float[] dst, int off, int n) {
        requireFloat().read(data, from, dst, off, n);
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
