package jprune.nn.data;

/**
 * One split of an image classification data set in memory: images as floats in [0, 1], row-major
 * count × (channels·height·width), and their labels in [0, numClasses).
 */
public record DataSplit(String name, float[] images, int[] labels, int count, int channels, int height, int width, int numClasses) {
    /**
     * Checks the sizes, and every label against numClasses: a label out of range would make accuracy
     * count it wrong and the loss read past its row.
     */
    public DataSplit {
        java.util.Objects.requireNonNull(images, "images");
        java.util.Objects.requireNonNull(labels, "labels");
        if (numClasses < 1) throw new IllegalArgumentException("split '" + name + "': numClasses must be >= 1, got " + numClasses);
        for (int i = 0; i < labels.length; i++)
            if (labels[i] < 0 || labels[i] >= numClasses)
                throw new IllegalArgumentException("split '" + name + "': label " + labels[i] + " of sample " + i + " is not a class in [0, " + numClasses + ")");
        if (labels.length != count || images.length != (long) count * channels * height * width)
            throw new IllegalArgumentException("split '" + name + "': " + count + " samples but " + labels.length + " labels and "
                    + images.length + " pixels (expected " + (long) count * channels * height * width + ")");
    }

    public int imageSize() {
        return channels * height * width;
    }

    /** Samples [from, to) as a new split (copied). */
    public DataSplit subset(int from, int to) {
        if (from < 0 || to > count || from > to) throw new IllegalArgumentException("subset [" + from + ", " + to + ") of a split with " + count + " samples");
        int sz = imageSize();
        float[] img = java.util.Arrays.copyOfRange(images, from * sz, to * sz);
        int[] lab = java.util.Arrays.copyOfRange(labels, from, to);
        return new DataSplit(name + "[" + from + ":" + to + "]", img, lab, to - from, channels, height, width, numClasses);
    }

    /** The two parts {@link #holdOut} returns: the samples left for training and the held-out ones. */
    public record HeldOut(DataSplit rest, DataSplit heldOut) {}

    /**
     * Holds n samples, drawn at random by the seed, out of this split (e.g. a validation set taken
     * from the training images). Both parts keep the original order of their samples.
     */
    public HeldOut holdOut(int n, long seed) {
        if (n < 1 || n >= count) throw new IllegalArgumentException("cannot hold out " + n + " of the " + count + " samples of split '" + name + "' (need 1 <= n < " + count + ")");
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        new jprune.tensor.Rng(seed).shuffle(order);
        boolean[] held = new boolean[count];
        for (int i = 0; i < n; i++) held[order[i]] = true;
        int[] keepIdx = new int[count - n], heldIdx = new int[n];
        for (int i = 0, k = 0, h = 0; i < count; i++) {
            if (held[i]) heldIdx[h++] = i;
            else keepIdx[k++] = i;
        }
        return new HeldOut(select(keepIdx, name + "-train"), select(heldIdx, name + "-heldout"));
    }

    private DataSplit select(int[] idx, String newName) {
        int sz = imageSize();
        float[] img = new float[idx.length * sz];
        int[] lab = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(images, idx[i] * sz, img, i * sz, sz);
            lab[i] = labels[idx[i]];
        }
        return new DataSplit(newName, img, lab, idx.length, channels, height, width, numClasses);
    }

    /** Images [from, to) as one input tensor [n, C, H, W] (copied), e.g. the sample a compression planner traces. */
    public jprune.tensor.Tensor batch(int from, int to) {
        if (from < 0 || to > count || from >= to) throw new IllegalArgumentException("batch [" + from + ", " + to + ") of a split with " + count + " samples");
        int sz = imageSize();
        return jprune.tensor.Tensor.of(java.util.Arrays.copyOfRange(images, from * sz, to * sz), to - from, channels, height, width);
    }
}
