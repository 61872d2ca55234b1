package jprune.nn.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;

/**
 * Deterministic mini-batches over a split. Each epoch's order is a shuffle seeded from (seed,
 * epoch) alone, so any epoch can be replayed independently (for resuming). The last batch may be
 * smaller. With normalize, pixels are standardised with Fashion-MNIST's mean and std.
 */
public final class Batches {
    public static final float MEAN = 0.2860f, STD = 0.3530f;

    private final DataSplit split;
    private final int batchSize;
    private final boolean shuffle, normalize;
    private final long seed;

    /** A batch: x is [size, channels, height, width]; labels has size entries. */
    public record Batch(Tensor x, int[] labels, int size) {}

    public Batches(DataSplit split, int batchSize, boolean shuffle, long seed, boolean normalize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        this.split = split;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.normalize = normalize;
    }

    public int batchesPerEpoch() {
        return new Sizes(split.count(), batchSize).batchesPerEpoch();
    }

    /** Batch arithmetic without data: how many batches an epoch of count samples has. */
    public record Sizes(int count, int batchSize) {
        public int batchesPerEpoch() {
            return (count + batchSize - 1) / batchSize;
        }
    }

    /** The sample order of an epoch. */
    public int[] order(int epoch) {
        int[] idx = new int[split.count()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        if (shuffle) new Rng(seed * 1_000_003L + epoch).shuffle(idx);
        return idx;
    }

    public Iterable<Batch> epoch(int epoch) {
        int[] order = order(epoch);
        return () -> new Iterator<>() {
            int next = 0;

            @Override
            public boolean hasNext() {
                return next < order.length;
            }

            @Override
            public Batch next() {
                if (!hasNext()) throw new NoSuchElementException();
                int size = Math.min(batchSize, order.length - next);
                Batch b = make(order, next, size);
                next += size;
                return b;
            }
        };
    }

    private Batch make(int[] order, int from, int size) {
        int sz = split.imageSize();
        float[] x = new float[size * sz];
        int[] labels = new int[size];
        float[] src = split.images();
        float inv = 1f / STD;
        for (int i = 0; i < size; i++) {
            int s = order[from + i];
            labels[i] = split.labels()[s];
            if (normalize) {
                for (int j = 0; j < sz; j++) x[i * sz + j] = (src[s * sz + j] - MEAN) * inv;
            } else {
                System.arraycopy(src, s * sz, x, i * sz, sz);
            }
        }
        return new Batch(Tensor.of(x, size, split.channels(), split.height(), split.width()), labels, size);
    }
}
