package jprune.lm.eval;

import java.util.Arrays;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.KvCache;
import jprune.tensor.Rng;
import jprune.tensor.Timing;

/**
 * Prefill and decode speed of a model on random token ids: prefill runs a prompt of promptTokens
 * through the model (the last position's logits included); decode then generates decodeTokens one
 * at a time with the KV cache (batch 1), each step computing the full logits. Each figure is the
 * median of repeats, with the min and max.
 */
public final class DecodeBench {
    /** Measured figures; seconds are per run. */
    public record Result(int promptTokens, int decodeTokens, double[] prefillSeconds, double[] decodeSeconds) {
        public double prefillTokensPerSecond() {
            return promptTokens / Timing.median(prefillSeconds);
        }

        public double decodeTokensPerSecond() {
            return decodeTokens / Timing.median(decodeSeconds);
        }

        /** {min, max} of decode tokens/s over the runs. */
        public double[] decodeSpread() {
            return new double[] {decodeTokens / max(decodeSeconds), decodeTokens / min(decodeSeconds)};
        }

        public double[] prefillSpread() {
            return new double[] {promptTokens / max(prefillSeconds), promptTokens / min(prefillSeconds)};
        }

        private static double max(double[] a) {
            return Arrays.stream(a).max().orElse(Double.NaN);
        }

        private static double min(double[] a) {
            return Arrays.stream(a).min().orElse(Double.NaN);
        }
    }

    private DecodeBench() {}

    public static Result run(DecoderModel model, int promptTokens, int decodeTokens, int repeats, long seed) {
        return run(model, promptTokens, decodeTokens, repeats, seed, null);
    }

    /**
     * As {@link #run(DecoderModel, int, int, int, long)}, calling afterRound (when not null) after each
     * timed round with the round's index: for reference measurements interleaved with the model's.
     */
    public static Result run(DecoderModel model, int promptTokens, int decodeTokens, int repeats, long seed, java.util.function.IntConsumer afterRound) {
        int context = model.config().maxPositions();
        if (promptTokens < 1 || decodeTokens < 1 || repeats < 1) throw new IllegalArgumentException("prompt, decode tokens and repeats must be >= 1");
        if (promptTokens + decodeTokens > context)
            throw new IllegalArgumentException(promptTokens + " prompt + " + decodeTokens + " decoded tokens exceed the model's context of " + context);
        int vocab = model.config().vocabSize(), d = model.config().hiddenSize();
        Rng rng = new Rng(seed);
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < prompt.length; i++) prompt[i] = rng.nextInt(vocab);
        KvCache cache = new KvCache(model.config(), promptTokens + decodeTokens);
        float[] logits = new float[vocab];
        double[] prefill = new double[repeats], decode = new double[repeats];
        // Warm every kernel up to C2 first: interpreted Vector API code runs a hundred times slower, and a
        // long prefill can spend seconds there before the JIT steps in. Short prompts reach the same code.
        int warmPrompt = Math.min(promptTokens, 64);
        Timing.warmUntilSteady(() -> {
            cache.reset();
            float[] h = model.forward(prompt, 0, warmPrompt, cache);
            model.logits(Arrays.copyOfRange(h, (warmPrompt - 1) * d, warmPrompt * d), 1, logits);
            int[] one = {argmax(logits)};
            model.logits(model.forward(one, 0, 1, cache), 1, logits);
        }, 30_000_000_000L, 20);
        // then one untimed round at full size
        for (int r = -1; r < repeats; r++) {
            cache.reset();
            long t0 = System.nanoTime();
            float[] h = model.forward(prompt, 0, promptTokens, cache);
            model.logits(Arrays.copyOfRange(h, (promptTokens - 1) * d, promptTokens * d), 1, logits);
            long t1 = System.nanoTime();
            int[] one = {argmax(logits)};
            for (int s = 0; s < decodeTokens; s++) {
                model.logits(model.forward(one, 0, 1, cache), 1, logits);
                one[0] = argmax(logits);
            }
            long t2 = System.nanoTime();
            if (r >= 0) {
                prefill[r] = (t1 - t0) / 1e9;
                decode[r] = (t2 - t1) / 1e9;
                if (afterRound != null) afterRound.accept(r);
            }
        }
        return new Result(promptTokens, decodeTokens, prefill, decode);
    }

    private static int argmax(float[] x) {
        int b = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[b]) b = i;
        return b;
    }
}
