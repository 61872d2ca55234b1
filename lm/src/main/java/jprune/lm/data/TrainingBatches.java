package jprune.lm.data;

import jprune.tensor.Rng;

/**
 * Next-token training batches from one token stream: each batch holds B windows of L + 1 tokens
 * at random starts; the inputs are a window's first L tokens and the targets the same window
 * shifted by one. The batch of a step depends only on (seed, step), never on the batches before
 * it, so a resumed run sees the batches an uninterrupted run would have seen.
 */
public final class TrainingBatches {
    private final int[] tokens;
    private final int batchSize, length;
    private final long seed;

    /** A batch: inputs and targets are row-major [batchSize, length]; starts[b] is row b's offset in the stream. */
    public record Batch(int[] inputs, int[] targets, int[] starts, int batchSize, int length) {}

    /** The stream is not copied: it must not change while batches are drawn. */
    public TrainingBatches(int[] tokens, int batchSize, int length, long seed) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        TokenWindows.checkLength(length);
        if ((long) batchSize * length > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("batch size × length = " + (long) batchSize * length + " tokens is too large for one batch");
        if (tokens.length < (long) length + 1)
            throw new IllegalArgumentException("need at least " + ((long) length + 1) + " tokens for training windows of " + length
                    + " (+1 for the shifted target), got " + tokens.length);
        this.tokens = tokens;
        this.batchSize = batchSize;
        this.length = length;
        this.seed = seed;
    }

    public int batchSize() {
        return batchSize;
    }

    public int length() {
        return length;
    }

    /** The batch of a training step (step >= 0). */
    public Batch batch(long step) {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        int[] starts = TokenWindows.randomStarts(tokens.length, batchSize, length + 1, new Rng(seed).fork(step));
        int[] inputs = new int[batchSize * length], targets = new int[batchSize * length];
        for (int b = 0; b < batchSize; b++) {
            System.arraycopy(tokens, starts[b], inputs, b * length, length);
            System.arraycopy(tokens, starts[b] + 1, targets, b * length, length);
        }
        return new Batch(inputs, targets, starts, batchSize, length);
    }
}
