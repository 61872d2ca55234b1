package jprune.nn.data;

/**
 * One split of an image classification data set in memory: images as floats in [0, 1], row-major
 * count × (channels·height·width), and their labels in [0, numClasses).
 */
public record DataSplit(String name, float[] images, int[] labels, int count, int channels, int height, int width, int numClasses) {
    public DataSplit {
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

    /** Images [from, to) as one input tensor [n, C, H, W] (copied), e.g. the sample a compression planner traces. */
    public jprune.tensor.Tensor batch(int from, int to) {
        if (from < 0 || to > count || from >= to) throw new IllegalArgumentException("batch [" + from + ", " + to + ") of a split with " + count + " samples");
        int sz = imageSize();
        return jprune.tensor.Tensor.of(java.util.Arrays.copyOfRange(images, from * sz, to * sz), to - from, channels, height, width);
    }
}
