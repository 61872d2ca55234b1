package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.lm.data.BrownCorpus;
import jprune.lm.data.TextFile;
import jprune.lm.data.TextSplit;
import jprune.lm.train.LmArchitecture;
import jprune.lm.train.LmTrainConfig;
import jprune.lm.train.LmTrainRun;
import jprune.lm.train.LmTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune lm train}: a small language model from scratch, tokenizer included, in the Hugging Face layout. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a byte-level BPE tokenizer on the training text (or reuses --tokenizer DIR) and a GPT-2 or "
                + "Llama model from scratch: AdamW (betas 0.9/0.95, weight decay 0.1 on matrices only), linear warm-up then "
                + "cosine decay to 10%% of --lr, gradient clipping at global norm 1.0, batches of --batch windows of "
                + "--seqlen + 1 tokens at seeded random starts.",
                "Text: the Brown corpus's train/validation/test split, or --text FILE cut 80/10/10 at line boundaries.",
                "Writes DIR (config.json, model.safetensors, tokenizer files) and DIR/metrics.json: losses per "
                + "evaluation, test perplexity (non-overlapping windows of --seqlen), tokens/s.",
                "Default recipe: gpt2, 4 layers, 256 wide, 4 heads, vocabulary 8192, context 128, batch 16, 300 steps, "
                + "peak lr 2e-3 (5.3M parameters)."})
final class LmTrainCommand implements Callable<Integer> {
    @Option(names = "--arch", defaultValue = "gpt2", paramLabel = "A", description = "gpt2 or llama. Default: ${DEFAULT-VALUE}.")
    String arch;

    @Option(names = "--layers", defaultValue = "4", paramLabel = "L", description = "Transformer blocks. Default: ${DEFAULT-VALUE}.")
    int layers;

    @Option(names = "--dim", defaultValue = "256", paramLabel = "D", description = "Hidden size. Default: ${DEFAULT-VALUE}.")
    int dim;

    @Option(names = "--heads", defaultValue = "4", paramLabel = "H", description = "Attention heads (head size D/H). Default: ${DEFAULT-VALUE}.")
    int heads;

    @Option(names = "--kv-heads", paramLabel = "K", description = "Key/value heads for llama's grouped-query attention (divides H; default H).")
    Integer kvHeads;

    @Option(names = "--intermediate", paramLabel = "F", description = "MLP width (default 4·D for gpt2; for llama 8·D/3 rounded up to a multiple of 64).")
    Integer intermediate;

    @Option(names = "--untied", description = "Give the model its own output head instead of sharing the token embedding.")
    boolean untied;

    @Option(names = "--vocab", paramLabel = "V", description = "Tokenizer vocabulary to train, 256 bytes and <|endoftext|> included (default 8192; not with --tokenizer).")
    Integer vocab;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Reuse the tokenizer files of DIR instead of training one.")
    Path tokenizer;

    @Option(names = "--seqlen", defaultValue = "128", paramLabel = "S", description = "Context length of training and test windows. Default: ${DEFAULT-VALUE}.")
    int seqlen;

    @Option(names = "--batch", defaultValue = "16", paramLabel = "B", description = "Windows per step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--steps", defaultValue = "300", paramLabel = "N", description = "Optimizer steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--lr", defaultValue = "2e-3", paramLabel = "LR", description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--warmup", paramLabel = "W", description = "Linear warm-up steps (default: 5%% of --steps).")
    Integer warmupSteps;

    @Option(names = "--eval-every", defaultValue = "100", paramLabel = "K", description = "Validation loss every K steps (0 = only at the end). Default: ${DEFAULT-VALUE}.")
    int evalEvery;

    @Option(names = "--eval-windows", defaultValue = "64", paramLabel = "N", description = "Held-out windows per validation. Default: ${DEFAULT-VALUE}.")
    int evalWindows;

    @Option(names = "--test-tokens", defaultValue = "0", paramLabel = "N", description = "Score only the first N test tokens (0 = all; for quick runs). Default: ${DEFAULT-VALUE}.")
    long testTokens;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the initial weights and the batches. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--text", paramLabel = "FILE", description = "Train on a UTF-8 text file (split 80/10/10) instead of the Brown corpus.")
    Path text;

    @Option(names = "--brown", paramLabel = "DIR", description = "Where the Brown corpus is (default: $JPRUNE_BROWN, then where bin/setup installs it).")
    Path brown;

    @Option(names = "--dump-tokens", paramLabel = "DIR", description = "Also write the token streams, every step's batch and the initial weights for bin/peers/lm_train_torch.py.")
    Path dumpTokens;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model directory to write.")
    Path out;

    @Mixin
    ThreadOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        if (layers > 1024) throw new UsageException("--layers must be at most 1024, got " + layers);
        if (dim > 65536) throw new UsageException("--dim must be at most 65536, got " + dim);
        if (intermediate != null && intermediate > 262144) throw new UsageException("--intermediate must be at most 262144, got " + intermediate);
        LmArchitecture a;
        try {
            a = new LmArchitecture(arch, layers, dim, heads, kvHeads == null ? heads : kvHeads,
                    intermediate == null ? LmArchitecture.defaultIntermediate(arch, dim) : intermediate, !untied, seqlen);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (tokenizer != null && vocab != null) throw new UsageException("--vocab: the vocabulary comes from --tokenizer " + tokenizer + "; give one or the other");
        if (tokenizer != null && !Files.isDirectory(tokenizer)) throw new UsageException("--tokenizer: no directory " + tokenizer);
        int v = vocab == null ? 8192 : vocab;
        if (tokenizer == null && (v < 257 || v > 1 << 20)) throw new UsageException("--vocab must be in [257, 1048576] (256 bytes + <|endoftext|> at least), got " + v);
        if (batch < 1 || batch > 4096) throw new UsageException("--batch must be in [1, 4096], got " + batch);
        if (seqlen > 8192) throw new UsageException("--seqlen must be at most 8192, got " + seqlen);
        if ((long) batch * heads * seqlen * seqlen > Integer.MAX_VALUE - 8)
            throw new UsageException("--batch × --heads × --seqlen² is too large for the attention probabilities (" + (long) batch * heads * seqlen * seqlen + "); lower --batch or --seqlen");
        if (steps < 1) throw new UsageException("--steps must be >= 1, got " + steps);
        if (!(lr > 0) || lr > 1) throw new UsageException("--lr must be in (0, 1], got " + lr);
        int warmup = warmupSteps != null ? warmupSteps : steps / 20;
        if (warmup < 0 || warmup > steps) throw new UsageException("--warmup must be in [0, --steps], got " + warmup);
        if (evalEvery < 0) throw new UsageException("--eval-every must be >= 0, got " + evalEvery);
        if (evalWindows < 1) throw new UsageException("--eval-windows must be >= 1, got " + evalWindows);
        if (testTokens < 0 || (testTokens > 0 && testTokens < seqlen)) throw new UsageException("--test-tokens must be 0 (all) or at least --seqlen (" + seqlen + "), got " + testTokens);
        if (text != null && !Files.isRegularFile(text)) throw new UsageException("--text: no file " + text);
        LmTrainConfig config = LmTrainConfig.defaults(batch, seqlen, steps, lr, warmup, evalEvery, seed);
        config = new LmTrainConfig(config.batch(), config.seqlen(), config.steps(), config.lr(), config.warmup(), config.minLrFraction(), config.beta1(),
                config.beta2(), config.eps(), config.weightDecay(), config.clipNorm(), evalEvery, evalWindows, seed);
        // Before minutes of training, not when the files are written.
        for (Path dir : new Path[] {out, dumpTokens})
            if (dir != null && java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir))
                throw new UsageException((dir == out ? "--out " : "--dump-tokens ") + dir + " exists and is not a directory");
        SavedModel.requireCheckpointOut(out);
        LmTrainRun.Texts texts;
        if (text != null) {
            texts = LmTrainRun.split(TextFile.read(text), text.toString());
        } else {
            BrownCorpus corpus = BrownCorpus.load(BrownCorpus.locate(brown));
            texts = new LmTrainRun.Texts(corpus.text(TextSplit.TRAIN).text(), corpus.text(TextSplit.VALIDATION).text(), corpus.text(TextSplit.TEST).text(), "brown");
        }
        StepProgress[] bar = new StepProgress[1];
        Map<String, Object> m;
        try {
            m = LmTrainRun.run(texts, new LmTrainRun.Options(tokenizer, v, a, config, out, dumpTokens, testTokens), new LmTrainRun.Listener() {
                double recent = Double.NaN;

                @Override
                public void phase(String message) {
                    if (bar[0] != null) bar[0].finish();
                    bar[0] = null;
                    System.out.println("lm train: " + message);
                }

                @Override
                public void step(int step, double loss, double lr, double gradNorm) {
                    if (bar[0] == null) bar[0] = new StepProgress("step", steps);
                    recent = Double.isNaN(recent) ? loss : 0.9 * recent + 0.1 * loss;
                    bar[0].update(step + 1, String.format(Locale.ROOT, "loss %.3f lr %.2e |g| %.2f", recent, lr, gradNorm));
                }

                @Override
                public void eval(LmTrainer.Eval e) {
                    if (bar[0] != null) bar[0].finish();
                    System.out.printf(Locale.ROOT, "step %d: train loss %.4f, val loss %.4f, %.0f tokens/s%n", e.step(), e.trainLoss(), e.valLoss(), e.tokens() / e.trainSeconds());
                }

                @Override
                public void window(int done, int total, double perplexity) {
                    if (bar[0] == null) bar[0] = new StepProgress("windows", total);
                    bar[0].update(done, String.format(Locale.ROOT, "ppl %.3f", perplexity));
                }
            });
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (bar[0] != null) bar[0].finish();
        System.out.printf(Locale.ROOT, "lm train: %s, %,d parameters: test perplexity %.3f, %.0f tokens/s in training (%.1f s), written to %s%n", m.get("arch"),
                (long) m.get("parameters"), (double) m.get("test_perplexity"), (double) m.get("tokens_per_second"), (double) m.get("train_seconds"), out);
        return 0;
    }
}
