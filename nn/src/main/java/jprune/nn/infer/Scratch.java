package jprune.nn.infer;

/** Arrays a {@link FlatLayer} keeps between calls on one thread, by slot, grown on demand and never shrunk. */
public final class Scratch {
    private float[][] slots = new float[0][];

    /** An array of at least size floats for the slot (contents left from the last call). */
    public float[] floats(int slot, int size) {
        if (slot >= slots.length) slots = java.util.Arrays.copyOf(slots, slot + 1);
        if (slots[slot] == null || slots[slot].length < size) slots[slot] = new float[size];
        return slots[slot];
    }
}
