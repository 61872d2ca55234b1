package jprune.lm.generate;

import java.util.Arrays;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.KvCache;

/**
 * Autoregressive generation with the KV cache: the prompt is run once (prefill), then one token per
 * step, each handed to a listener as soon as it exists. Stops at maxNewTokens, at an end token, or
 * when the context is full.
 */
public final class Generator {
    /** Receives each new token id; return false to stop. */
    @FunctionalInterface
    public interface Listener {
        boolean token(int id);
    }

    /** Timing of one generation. */
    public record Result(int[] tokens, int promptTokens, double prefillSeconds, double decodeSeconds) {
        public double decodeTokensPerSecond() {
            return tokens.length <= 1 ? 0 : (tokens.length - 1) / decodeSeconds;
        }
    }

    private final DecoderModel model;

    public Generator(DecoderModel model) {
        this.model = model;
    }

    /** Generates after prompt; endToken &lt; 0 means none. */
    public Result generate(int[] prompt, int maxNewTokens, Sampler sampler, int endToken, Listener listener) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt must hold at least one token");
        int context = model.config().maxPositions();
        if (prompt.length >= context)
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the model's context is " + context);
        int capacity = Math.min(context, prompt.length + Math.max(0, maxNewTokens));
        KvCache cache = new KvCache(model.config(), capacity);
        int vocab = model.config().vocabSize(), d = model.config().hiddenSize();
        float[] logits = new float[vocab];
        long t0 = System.nanoTime();
        float[] hidden = model.forward(prompt, 0, prompt.length, cache);
        model.logits(Arrays.copyOfRange(hidden, (prompt.length - 1) * d, prompt.length * d), 1, logits);
        long t1 = System.nanoTime();
        int[] out = new int[Math.max(0, maxNewTokens)];
        int n = 0;
        int[] one = new int[1];
        while (n < maxNewTokens) {
            int next = sampler.next(logits, 0, vocab);
            out[n++] = next;
            if (listener != null && !listener.token(next)) break;
            if (next == endToken || cache.length() >= capacity) break;
            one[0] = next;
            model.logits(model.forward(one, 0, 1, cache), 1, logits);
        }
        long t2 = System.nanoTime();
        return new Result(Arrays.copyOf(out, n), prompt.length, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }
}
