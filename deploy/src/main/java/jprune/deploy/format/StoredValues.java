package jprune.deploy.format;

import java.util.Arrays;

/**
 * What every format shares: its shape and its stored weights, either fp32 values or int8 weights
 * with one scale per row ({@link Int8Rows}); exactly one of the two is present. Subclasses add the
 * positions and the kernels; the arrays here are read in place by them.
 */
abstract class StoredValues implements WeightMatrix {
    final int rows, cols;
    /** fp32 weights in the format's storage order, or null for an int8 matrix. */
    final float[] values;
    /** int8 weights in the same order, or null for an fp32 matrix. */
    final byte[] quantized;
    /** Per-row scales of an int8 matrix, or null. */
    final float[] scales;

    StoredValues(int rows, int cols, float[] values, byte[] quantized, float[] scales) {
        this.rows = rows;
        this.cols = cols;
        this.values = values;
        this.quantized = quantized;
        this.scales = scales;
    }

    /** How many of the stored entries are real weights (a format may pad its arrays beyond them). */
    int storedLength() {
        return values != null ? values.length : quantized.length;
    }

    /** The format's name with "-int8" appended for int8 weights. */
    final String named(String base) {
        return isInt8() ? base + "-int8" : base;
    }

    public final boolean isInt8() {
        return quantized != null;
    }

    /** A copy of the fp32 values in storage order; an int8 matrix has none (see {@link #quantized()}). */
    public float[] values() {
        if (values == null) throw new IllegalStateException("an int8 matrix has no fp32 values: use quantized() and scales()");
        return Arrays.copyOf(values, storedLength());
    }

    /** A copy of the int8 weights in storage order. */
    public byte[] quantized() {
        if (quantized == null) throw new IllegalStateException("an fp32 matrix has no int8 weights: use values()");
        return Arrays.copyOf(quantized, storedLength());
    }

    /** A copy of the per-row scales of an int8 matrix. */
    public final float[] scales() {
        if (scales == null) throw new IllegalStateException("an fp32 matrix has no scales: use values()");
        return scales.clone();
    }

    /** The stored arrays themselves, for the kernels of this package (no copies). */
    final float[] valuesView() {
        return values;
    }

    final byte[] quantizedView() {
        return quantized;
    }

    final float[] scalesView() {
        return scales;
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }
}
