package jprune.lm.train;

import jprune.tensor.Rng;

/**
 * Training windows of seqlen + 1 tokens at random starts (uniform over every start where a whole
 * window fits, with replacement). A step's starts depend only on (seed, step), so they can be
 * written out for a peer to train on exactly the same batches.
 */
public final class WindowSampler {
    private final int tokenCount, batch, window;
    private final long seed;

    public WindowSampler(int tokenCount, int batch, int seqlen, long seed) {
        if (tokenCount < seqlen + 1) throw new IllegalArgumentException("the training text has " + tokenCount + " tokens, fewer than one window of " + (seqlen + 1));
        this.tokenCount = tokenCount;
        this.batch = batch;
        this.window = seqlen + 1;
        this.seed = seed;
    }

    /** The batch's window starts for a step. */
    public int[] starts(int step) {
        Rng rng = new Rng(seed ^ 0x5DEECE66DL).fork(step + 1L);
        int[] s = new int[batch];
        for (int b = 0; b < batch; b++) s[b] = rng.nextInt(tokenCount - window + 1);
        return s;
    }
}
