package jprune.deploy.format;

/**
 * A thread's reusable work buffers for the kernels (decoded rows, widened int8 blocks), grown on
 * demand and kept: inference calls a product thousands of times a second. Sizes come from
 * validated matrices (a row's nonzeros, a block of rows), never from raw input.
 */
final class Scratch {
    private static final ThreadLocal<Scratch> OF_THREAD = ThreadLocal.withInitial(Scratch::new);

    private float[] floats = new float[0];
    private int[] ints = new int[0];
    /** Rows of a shared-out product, computed here before they are copied to its output. */
    private float[] product = new float[0];
    /** One vector's lanes, for {@link FormatSpecies#sum}. */
    final float[] lanes = new float[FormatSpecies.L];
    /** Eight vectors of gather indices (a gather takes its index map from an int[]). */
    final int[] index = new int[8 * FormatSpecies.L];

    private Scratch() {}

    static Scratch get() {
        return OF_THREAD.get();
    }

    float[] floats(int size) {
        if (floats.length < size) floats = new float[size];
        return floats;
    }

    float[] product(int size) {
        if (product.length < size) product = new float[size];
        return product;
    }

    int[] ints(int size) {
        if (ints.length < size) ints = new int[size];
        return ints;
    }
}
