package jprune.lm.eval;

import jprune.lm.model.DecoderModel;
import jprune.lm.model.KvCache;

/**
 * Perplexity as the issue defines it: the token stream is cut into consecutive, non-overlapping
 * windows of seqlen tokens from the start (a final partial window is dropped); each window is scored
 * on its own from an empty context; perplexity = exp(mean negative log-likelihood of the seqlen − 1
 * predicted tokens of every window). Log-probabilities are computed in double.
 */
public final class Perplexity {
    /**
     * Most logits materialised at once (16M floats, 64 MB): 256 rows of GPT-2's 50257. Each block of
     * rows reads the whole head once, so fewer, larger blocks read it fewer times.
     */
    static final int LOGIT_FLOATS = 1 << 24;

    /** What an evaluation measured. tokens counts every token run through the model. */
    public record Result(double perplexity, double meanNll, long tokens, long predicted, int windows, int seqlen, double seconds) {
        public double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    /** Called after each window with (windows done, windows total, running perplexity). */
    @FunctionalInterface
    public interface Progress {
        void window(int done, int total, double perplexity);
    }

    private Perplexity() {}

    /** Evaluates the first limitTokens tokens (0 = all) in windows of seqlen. */
    public static Result evaluate(DecoderModel model, int[] tokens, int seqlen, long limitTokens, Progress progress) {
        if (seqlen < 2) throw new IllegalArgumentException("seqlen must be >= 2, got " + seqlen);
        long usable = limitTokens > 0 ? Math.min(limitTokens, tokens.length) : tokens.length;
        int windows = (int) (usable / seqlen);
        if (windows < 1)
            throw new IllegalArgumentException("the text has " + usable + " tokens, fewer than one window of " + seqlen + " (lower --seqlen)");
        long start = System.nanoTime();
        KvCache cache = new KvCache(model.config(), seqlen);
        int vocab = model.config().vocabSize(), d = model.config().hiddenSize();
        double nll = 0;
        long predicted = 0;
        int blockRows = Math.max(1, Math.min(seqlen - 1, Math.min(256, LOGIT_FLOATS / vocab)));
        float[] logits = new float[blockRows * vocab];
        float[] rows = new float[blockRows * d];
        for (int w = 0; w < windows; w++) {
            int off = w * seqlen;
            cache.reset();
            float[] hidden = model.forward(tokens, off, seqlen, cache);
            for (int r0 = 0; r0 < seqlen - 1; r0 += blockRows) {
                int n = Math.min(blockRows, seqlen - 1 - r0);
                System.arraycopy(hidden, r0 * d, rows, 0, n * d);
                model.logits(rows, n, logits);
                for (int r = 0; r < n; r++) nll -= logProb(logits, r * vocab, vocab, tokens[off + r0 + r + 1]);
                predicted += n;
            }
            if (progress != null) progress.window(w + 1, windows, Math.exp(nll / predicted));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double mean = nll / predicted;
        return new Result(Math.exp(mean), mean, (long) windows * seqlen, predicted, windows, seqlen, seconds);
    }

    /** log softmax(logits[off..off+n))[target], in double. */
    public static double logProb(float[] logits, int off, int n, int target) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[off + i] - (double) max);
        return logits[off + target] - (double) max - Math.log(sum);
    }
}
