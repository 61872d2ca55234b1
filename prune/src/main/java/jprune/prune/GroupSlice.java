package jprune.prune;

/**
 * One slice of a named tensor that belongs to a removable group: indices [from, to) along one axis.
 * {@code output} marks the slices that read the group's output (the matching input columns of the
 * consuming layer): the sum of weight × gradient over them is the gradient of a gate on the group's
 * output, which the head-importance score of Michel et al. uses.
 */
public record GroupSlice(String tensor, int axis, int from, int to, boolean output) {
    public GroupSlice {
        if (tensor == null || tensor.isEmpty()) throw new IllegalArgumentException("a slice needs a tensor name");
        if (axis < 0 || from < 0 || to <= from)
            throw new IllegalArgumentException("slice of '" + tensor + "': axis " + axis + ", range [" + from + ", " + to + ") is empty or negative");
    }

    /** A slice of the group's own parameters (not of its consumer). */
    public static GroupSlice of(String tensor, int axis, int from, int to) {
        return new GroupSlice(tensor, axis, from, to, false);
    }

    /** A slice of the consumer's input that reads the group's output. */
    public static GroupSlice output(String tensor, int axis, int from, int to) {
        return new GroupSlice(tensor, axis, from, to, true);
    }

    public int length() {
        return to - from;
    }
}
