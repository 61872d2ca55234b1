package jprune.lm.prune;

import java.util.Arrays;

/**
 * Picks the entries with the smallest non-negative scores, ties going to the lower index: the one
 * ordering every pruning method here uses, so that which weight goes never depends on a sort's
 * internals. Scores are ranked as floats; a non-negative float's bits order like the float, so
 * (bits, index) packed in a long sorts by score and then by position.
 */
final class SmallestFirst {
    private SmallestFirst() {}

    /** Marks in prune[pOff + i] the k entries i of scores[0..count) with the smallest score. */
    static void mark(float[] scores, int count, int k, boolean[] prune, int pOff) {
        if (k <= 0) return;
        if (k >= count) {
            Arrays.fill(prune, pOff, pOff + count, true);
            return;
        }
        long[] keys = new long[count];
        for (int i = 0; i < count; i++) keys[i] = key(scores[i], i);
        Arrays.sort(keys);
        for (int j = 0; j < k; j++) prune[pOff + (int) keys[j]] = true;
    }

    /** Index of the smallest score in scores[off..off+count) not yet marked (the lowest index on ties). */
    static long key(float score, int index) {
        if (!(score >= 0)) throw new IllegalArgumentException("score " + score + " at " + index + " is not a non-negative number");
        // +0.0f and -0.0f both become bits 0: |w| of a negative zero is zero.
        return ((long) Float.floatToIntBits(score + 0f) << 32) | (index & 0xFFFFFFFFL);
    }

    /**
     * Within each group of m consecutive scores of row [off, off+width), marks the m − n smallest
     * (lowest index first on ties).
     */
    static void markGroups(float[] scores, int off, int width, int n, int m, boolean[] prune, int pOff) {
        long[] keys = new long[m];
        for (int g = 0; g < width; g += m) {
            for (int j = 0; j < m; j++) keys[j] = key(scores[off + g + j], j);
            Arrays.sort(keys);
            for (int j = 0; j < m - n; j++) prune[pOff + g + (int) keys[j]] = true;
        }
    }
}
