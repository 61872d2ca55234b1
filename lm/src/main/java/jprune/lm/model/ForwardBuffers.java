package jprune.lm.model;

/**
 * The intermediate arrays of one forward pass, reused from block to block. A 512-token GPT-2 124M
 * prefill allocated about 220 MB of them per call (18 MB a block); the garbage collector then grew
 * the heap every few calls, and each call that ran on freshly mapped memory spent half a second in
 * page faults: 1.0 s instead of 0.45 s, in runs of two or three calls (2026-12-04, Intel VM). An
 * array is handed out at exactly the length asked for (a block of another width gets a new one),
 * and its contents are left over from the last use: every caller overwrites all of it.
 */
final class ForwardBuffers {
    enum Slot { NORMED, QUERY, QKV, KEY, VALUE, CONTEXT, ATTENTION_OUT, HIDDEN, UP, MLP_OUT }

    private final float[][] arrays = new float[Slot.values().length][];

    float[] get(Slot slot, int length) {
        float[] a = arrays[slot.ordinal()];
        if (a == null || a.length != length) arrays[slot.ordinal()] = a = new float[length];
        return a;
    }
}
