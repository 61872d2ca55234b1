package jprune.lm.prune;

/** Magnitude pruning of an [out, in] matrix: the smallest |W| over the whole layer, or within each N:M group. */
public final class MagnitudePruner {
    private MagnitudePruner() {}

    /** Zeros the pruned weights of w ([out, in], row-major) in place. */
    public static void prune(float[] w, int out, int in, SparsityPattern pattern) {
        pattern.checkWidth("this layer", in);
        float[] scores = new float[w.length];
        for (int i = 0; i < w.length; i++) scores[i] = Math.abs(w[i]);
        boolean[] prune = new boolean[w.length];
        if (pattern.isNofM()) {
            for (int r = 0; r < out; r++) SmallestFirst.markGroups(scores, r * in, in, pattern.n(), pattern.m(), prune, r * in);
        } else {
            SmallestFirst.mark(scores, w.length, pattern.prunedOf(w.length), prune, 0);
        }
        for (int i = 0; i < w.length; i++) if (prune[i]) w[i] = 0f;
    }
}
