package jprune.lm.generate;

import jprune.tensor.Rng;

/**
 * Picks the next token from logits: greedy (temperature 0, the default) or sampling from the
 * softmax of logits/temperature, restricted to the topK largest when topK &gt; 0, with a seeded
 * generator so the same seed gives the same text.
 */
public final class Sampler {
    private final double temperature;
    private final int topK;
    private final Rng rng;

    public Sampler(double temperature, int topK, long seed) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        this.temperature = temperature;
        this.topK = topK;
        this.rng = new Rng(seed);
    }

    public static Sampler greedy() {
        return new Sampler(0, 0, 0);
    }

    /** The next token id; ties in greedy mode go to the lowest id. */
    public int next(float[] logits, int off, int n) {
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < n; i++) if (logits[off + i] > logits[off + best]) best = i;
            return best;
        }
        float threshold = Float.NEGATIVE_INFINITY;
        if (topK > 0 && topK < n) {
            float[] copy = new float[n];
            System.arraycopy(logits, off, copy, 0, n);
            java.util.Arrays.sort(copy);
            threshold = copy[n - topK];
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) if (logits[off + i] >= threshold) max = Math.max(max, logits[off + i]);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (logits[off + i] >= threshold) {
                p[i] = Math.exp((logits[off + i] - max) / temperature);
                sum += p[i];
            }
        }
        double u = rng.nextDouble() * sum;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (p[i] == 0) continue;
            last = i;
            u -= p[i];
            if (u < 0) return i;
        }
        return last;
    }
}
