package jprune.lm.data;

import jprune.tensor.Rng;

/**
 * Windows of a token stream. Evaluation cuts consecutive non-overlapping windows from the start
 * and drops the final partial one (how perplexity is usually reported with a fixed context);
 * calibration and training take windows at random starts, uniform over every start at which a
 * whole window fits, drawn with replacement from a seeded {@link Rng}.
 */
public final class TokenWindows {
    private TokenWindows() {}

    /** How many whole windows of the given length fit in tokenCount tokens. */
    public static int evaluationCount(int tokenCount, int length) {
        checkLength(length);
        if (tokenCount < 0) throw new IllegalArgumentException("token count must be >= 0, got " + tokenCount);
        return tokenCount / length;
    }

    /**
     * Consecutive windows tokens[0, L), [L, 2L), …; the last partial window is dropped. At least
     * one whole window is required.
     */
    public static int[][] evaluation(int[] tokens, int length) {
        int count = evaluationCount(tokens.length, length);
        if (count == 0)
            throw new IllegalArgumentException("need at least " + length + " tokens for one evaluation window of " + length + ", got " + tokens.length);
        int[][] out = new int[count][];
        for (int w = 0; w < count; w++) out[w] = java.util.Arrays.copyOfRange(tokens, w * length, (w + 1) * length);
        return out;
    }

    /**
     * count start offsets for windows of windowLength tokens in a stream of tokenCount, each
     * uniform in [0, tokenCount - windowLength], drawn from rng in order.
     */
    public static int[] randomStarts(int tokenCount, int count, int windowLength, Rng rng) {
        checkLength(windowLength);
        if (count < 1) throw new IllegalArgumentException("window count must be >= 1, got " + count);
        if (tokenCount < windowLength)
            throw new IllegalArgumentException("need at least " + windowLength + " tokens for a window of " + windowLength + ", got " + tokenCount);
        int[] starts = new int[count];
        int bound = tokenCount - windowLength + 1;
        for (int i = 0; i < count; i++) starts[i] = rng.nextInt(bound);
        return starts;
    }

    /**
     * count windows of length tokens at random starts, seeded: the same tokens, count, length and
     * seed give the same windows (calibration samples for one-shot pruning).
     */
    public static int[][] random(int[] tokens, int count, int length, long seed) {
        int[] starts = randomStarts(tokens.length, count, length, new Rng(seed));
        int[][] out = new int[count][];
        for (int i = 0; i < count; i++) out[i] = java.util.Arrays.copyOfRange(tokens, starts[i], starts[i] + length);
        return out;
    }

    static void checkLength(int length) {
        if (length < 1) throw new IllegalArgumentException("window length must be >= 1, got " + length);
    }
}
