package jprune.lm.model;

/**
 * Keys and values of every position seen so far, per layer, in fp32, head by head: a layer's array
 * holds for each key/value head its capacity × headDim block, positions in order ({@link #at}), so
 * a head's keys (and values) are one contiguous stretch that decoding streams through. Stored
 * position by position instead, a head's keys were 256-byte pieces 3 KB apart (GPT-2), and its
 * attention read them slower than a stream. Decoding appends one position per step; a new sequence
 * resets it.
 */
public final class KvCache {
    final int capacity;
    /** Floats per position of each layer: its key/value heads × head size (the heads' blocks each hold capacity positions). */
    final int[] width;
    final float[][] keys, values;
    private int length;

    public KvCache(LmConfig c, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("KV cache capacity must be >= 1, got " + capacity);
        this.capacity = capacity;
        this.width = new int[c.layers()];
        keys = new float[c.layers()][];
        values = new float[c.layers()][];
        for (int l = 0; l < c.layers(); l++) {
            width[l] = c.kvHeads(l) * c.headDim();
            long floats = (long) capacity * width[l];
            if (floats > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("KV cache of " + capacity + " positions is too large");
            keys[l] = new float[(int) floats];
            values[l] = new float[(int) floats];
        }
    }

    /** Where head h's key (or value) at position p starts in a layer's array. */
    static int at(int h, int p, int capacity, int headDim) {
        return (h * capacity + p) * headDim;
    }

    /**
     * Writes count tokens' keys (or values) into a layer's array at positions [start, start + count):
     * token t's heads side by side at src[off + t·stride], each head to its own block.
     */
    static void store(float[] src, int off, int stride, float[] dst, int start, int count, int heads, int capacity, int headDim) {
        for (int t = 0; t < count; t++)
            for (int h = 0; h < heads; h++)
                System.arraycopy(src, off + t * stride + h * headDim, dst, at(h, start + t, capacity, headDim), headDim);
    }

    /** Positions cached so far. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Forgets every position (the arrays are reused). */
    public void reset() {
        length = 0;
    }

    void advance(int tokens) {
        length += tokens;
    }

    /** Bytes held. */
    public long bytes() {
        long floats = 0;
        for (float[] k : keys) floats += k.length;
        return 2L * floats * 4;
    }
}
