package jprune.lm.eval;

import java.util.Arrays;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.KvCache;
import jprune.tensor.Rng;
import jprune.tensor.Timing;

/**
 * Prefill and decode speed of a model on random token ids: prefill runs a prompt of promptTokens
 * through the model (the last position's logits included); decode then generates decodeTokens one
 * at a time with the KV cache (batch 1), each step computing the full logits. Decode time is also
 * split into the transformer blocks (embedding lookup, blocks, final norm) and the head's logits,
 * since pruning changes the blocks. Each figure is the median of repeats, with the min and max.
 * Several models are measured in interleaved rounds (each round runs every model once, the order
 * alternating), so a ratio between them compares runs made under the same load.
 */
public final class DecodeBench {
    /** Measured figures; seconds are per run. */
    public record Result(int promptTokens, int decodeTokens, double[] prefillSeconds, double[] decodeSeconds, double[] decodeBlockSeconds) {
        public double prefillTokensPerSecond() {
            return promptTokens / Timing.median(prefillSeconds);
        }

        public double decodeTokensPerSecond() {
            return decodeTokens / Timing.median(decodeSeconds);
        }

        /** Decode tokens/s counting only the time in the transformer blocks. */
        public double decodeBlockTokensPerSecond() {
            return decodeTokens / Timing.median(decodeBlockSeconds);
        }

        /** {min, max} of decode tokens/s over the runs. */
        public double[] decodeSpread() {
            return new double[] {decodeTokens / max(decodeSeconds), decodeTokens / min(decodeSeconds)};
        }

        public double[] decodeBlockSpread() {
            return new double[] {decodeTokens / max(decodeBlockSeconds), decodeTokens / min(decodeBlockSeconds)};
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
        return run(java.util.List.of(model), promptTokens, decodeTokens, repeats, seed, afterRound).get(0);
    }

    /**
     * Every model measured in the same rounds: round r runs each model once, in list order for even r
     * and reversed for odd r, then calls afterRound(r). The models must share a vocabulary (the same
     * prompt is fed to each).
     */
    public static java.util.List<Result> run(java.util.List<DecoderModel> models, int promptTokens, int decodeTokens, int repeats, long seed,
                                             java.util.function.IntConsumer afterRound) {
        if (promptTokens < 1 || decodeTokens < 1 || repeats < 1) throw new IllegalArgumentException("prompt, decode tokens and repeats must be >= 1");
        int vocab = models.get(0).config().vocabSize();
        for (DecoderModel m : models) {
            if (promptTokens + decodeTokens > m.config().maxPositions())
                throw new IllegalArgumentException(promptTokens + " prompt + " + decodeTokens + " decoded tokens exceed the model's context of " + m.config().maxPositions());
            if (m.config().vocabSize() != vocab) throw new IllegalArgumentException("models compared must share a vocabulary");
        }
        Rng rng = new Rng(seed);
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < prompt.length; i++) prompt[i] = rng.nextInt(vocab);
        int n = models.size();
        double[][] prefill = new double[n][repeats], decode = new double[n][repeats], blocks = new double[n][repeats];
        Runner[] runners = new Runner[n];
        for (int k = 0; k < n; k++) {
            runners[k] = new Runner(models.get(k), prompt, decodeTokens);
            runners[k].warmUp();
        }
        // then one untimed round at full size
        for (int r = -1; r < repeats; r++) {
            for (int j = 0; j < n; j++) {
                int k = (r & 1) == 0 ? j : n - 1 - j;
                double[] t = runners[k].once();
                if (r >= 0) {
                    prefill[k][r] = t[0];
                    decode[k][r] = t[1];
                    blocks[k][r] = t[2];
                }
            }
            if (r >= 0 && afterRound != null) afterRound.accept(r);
        }
        java.util.List<Result> out = new java.util.ArrayList<>();
        for (int k = 0; k < n; k++) out.add(new Result(promptTokens, decodeTokens, prefill[k], decode[k], blocks[k]));
        return out;
    }

    /** One model's prefill-then-decode run, with its own cache and buffers. */
    private static final class Runner {
        private final DecoderModel model;
        private final int[] prompt;
        private final int decodeTokens, d;
        private final KvCache cache;
        private final float[] logits;

        Runner(DecoderModel model, int[] prompt, int decodeTokens) {
            this.model = model;
            this.prompt = prompt;
            this.decodeTokens = decodeTokens;
            this.d = model.config().hiddenSize();
            this.cache = new KvCache(model.config(), prompt.length + decodeTokens);
            this.logits = new float[model.config().vocabSize()];
        }

        /**
         * Every kernel warmed up to C2 first: interpreted Vector API code runs a hundred times slower, and a
         * long prefill can spend seconds there before the JIT steps in. Short prompts reach the same code.
         */
        void warmUp() {
            int warmPrompt = Math.min(prompt.length, 64);
            Timing.warmUntilSteady(() -> {
                cache.reset();
                float[] h = model.forward(prompt, 0, warmPrompt, cache);
                model.logits(Arrays.copyOfRange(h, (warmPrompt - 1) * d, warmPrompt * d), 1, logits);
                int[] one = {argmax(logits)};
                model.logits(model.forward(one, 0, 1, cache), 1, logits);
            }, 30_000_000_000L, 20);
            // Then whole rounds until steady: the first full-length prefills still ran at a third to a half of
            // the speed of later ones (C2 compiling the long-prompt loops), and with 7 timed rounds two or three
            // such rounds moved the median prefill by up to 20%.
            Timing.warmUntilSteady(this::once, 60_000_000_000L, 4);
        }

        /** {prefill seconds, decode seconds, of which in the blocks}. */
        double[] once() {
            cache.reset();
            long t0 = System.nanoTime();
            float[] h = model.forward(prompt, 0, prompt.length, cache);
            model.logits(Arrays.copyOfRange(h, (prompt.length - 1) * d, prompt.length * d), 1, logits);
            long t1 = System.nanoTime(), inBlocks = 0;
            int[] one = {argmax(logits)};
            for (int s = 0; s < decodeTokens; s++) {
                long b0 = System.nanoTime();
                float[] hidden = model.forward(one, 0, 1, cache);
                inBlocks += System.nanoTime() - b0;
                model.logits(hidden, 1, logits);
                one[0] = argmax(logits);
            }
            long t2 = System.nanoTime();
            return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9, inBlocks / 1e9};
        }
    }

    private static int argmax(float[] x) {
        int b = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[b]) b = i;
        return b;
    }
}
