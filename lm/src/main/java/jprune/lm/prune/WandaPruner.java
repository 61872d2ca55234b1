package jprune.lm.prune;

import jprune.tensor.Parallel;

/**
 * Wanda (Sun, Liu, Bair and Kolter, 2023): weight magnitude times the norm of its input feature
 * over the calibration tokens, S_ij = |W_ij|·‖X_j‖₂, compared within each output row (unstructured:
 * floor(s·in) per row) or within each group of M inputs of a row (N:M). No weight is updated.
 */
public final class WandaPruner {
    private WandaPruner() {}

    /** Zeros the pruned weights of w ([out, in], row-major) in place. */
    public static void prune(float[] w, int out, int in, InputStatistics stats, SparsityPattern pattern) {
        if (stats.in() != in) throw new IllegalArgumentException("statistics of " + stats.in() + " inputs for a layer of " + in);
        pattern.checkWidth("this layer", in);
        double[] norms = new double[in];
        for (int j = 0; j < in; j++) norms[j] = stats.columnNorm(j);
        int k = pattern.isNofM() ? 0 : pattern.prunedOf(in);
        Parallel.forRange(out, Math.max(1, (1 << 16) / Math.max(1, in)), (c, from, to) -> {
            float[] scores = new float[in];
            boolean[] prune = new boolean[in];
            for (int r = from; r < to; r++) {
                int base = r * in;
                for (int j = 0; j < in; j++) scores[j] = (float) (Math.abs(w[base + j]) * norms[j]);
                java.util.Arrays.fill(prune, false);
                if (pattern.isNofM()) SmallestFirst.markGroups(scores, 0, in, pattern.n(), pattern.m(), prune, 0);
                else SmallestFirst.mark(scores, in, k, prune, 0);
                for (int j = 0; j < in; j++) if (prune[j]) w[base + j] = 0f;
            }
        });
    }
}
