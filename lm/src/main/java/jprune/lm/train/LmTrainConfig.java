package jprune.lm.train;

/**
 * Hyperparameters of a language-model training run. Defaults (see {@link #defaults}) follow the
 * small-GPT recipes: AdamW β = (0.9, 0.95), eps 1e-8, weight decay 0.1 on matrices only, linear
 * warm-up then cosine decay to 10% of the peak, global gradient-norm clipping at 1.0.
 */
public record LmTrainConfig(int batch, int seqlen, int steps, double lr, int warmup, double minLrFraction,
                            double beta1, double beta2, double eps, double weightDecay, double clipNorm,
                            int evalEvery, int evalWindows, long seed) {
    public LmTrainConfig {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (seqlen < 2) throw new IllegalArgumentException("seqlen must be >= 2, got " + seqlen);
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("lr must be > 0, got " + lr);
        if (warmup < 0 || warmup > steps) throw new IllegalArgumentException("warmup must be in [0, steps], got " + warmup);
        if (minLrFraction < 0 || minLrFraction > 1) throw new IllegalArgumentException("min lr fraction must be in [0, 1], got " + minLrFraction);
        if (clipNorm < 0) throw new IllegalArgumentException("clip norm must be >= 0 (0 = no clipping), got " + clipNorm);
        if (evalEvery < 0) throw new IllegalArgumentException("eval every must be >= 0 (0 = only at the end), got " + evalEvery);
        if (evalWindows < 1) throw new IllegalArgumentException("eval windows must be >= 1, got " + evalWindows);
    }

    /** The default recipe around the given shape of the run. */
    public static LmTrainConfig defaults(int batch, int seqlen, int steps, double lr, int warmup, int evalEvery, long seed) {
        return new LmTrainConfig(batch, seqlen, steps, lr, warmup, 0.1, 0.9, 0.95, 1e-8, 0.1, 1.0, evalEvery, 64, seed);
    }

    public WarmupCosine schedule() {
        return new WarmupCosine(lr, lr * minLrFraction, warmup, steps);
    }
}
