package jprune.lm.tokenizer;

import java.util.Arrays;

/**
 * The trainer's priority queue of (count, pair): highest count first, and among equal counts the
 * smallest pair (first id, then second id), the order of Hugging Face's BpeTrainer. Entries go
 * stale when counts change; the trainer re-checks each one it pops.
 */
final class PairQueue {
    private int[] counts = new int[1024];
    private long[] pairs = new long[1024];
    private int n;

    boolean isEmpty() {
        return n == 0;
    }

    private boolean before(int ca, long pa, int cb, long pb) {
        return ca > cb || (ca == cb && pa < pb);
    }

    void push(int count, long pair) {
        if (n == counts.length) {
            counts = Arrays.copyOf(counts, n * 2);
            pairs = Arrays.copyOf(pairs, n * 2);
        }
        int i = n++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!before(count, pair, counts[p], pairs[p])) break;
            counts[i] = counts[p];
            pairs[i] = pairs[p];
            i = p;
        }
        counts[i] = count;
        pairs[i] = pair;
    }

    int topCount() {
        return counts[0];
    }

    long topPair() {
        return pairs[0];
    }

    void pop() {
        int lastC = counts[--n];
        long lastP = pairs[n];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && before(counts[c + 1], pairs[c + 1], counts[c], pairs[c])) c++;
            if (!before(counts[c], pairs[c], lastC, lastP)) break;
            counts[i] = counts[c];
            pairs[i] = pairs[c];
            i = c;
        }
        counts[i] = lastC;
        pairs[i] = lastP;
    }
}
