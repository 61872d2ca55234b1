package jprune.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.lm.eval.Perplexity;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.DecoderModel;
import jprune.lm.tokenizer.Tokenizer;
import jprune.lm.tokenizer.Tokenizers;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.tensor.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune lm eval}: perplexity of a model on a text. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Perplexity of a language model on a text. The text is tokenized whole (no special tokens added),",
                "cut into consecutive non-overlapping windows of --seqlen tokens from the start (a final partial window is",
                "dropped), each window scored on its own from an empty context; perplexity = exp(mean negative",
                "log-likelihood over the seqlen − 1 predicted tokens of every window).",
                "Writes OUT/metrics.json: perplexity, tokens, windows, seqlen, seconds, tokens_per_second."})
final class LmEvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face checkpoint directory with tokenizer files.")
    Path model;

    @Mixin
    LmText text;

    @Option(names = "--seqlen", paramLabel = "L", description = "Window length (default: the model's context, capped at 2048).")
    Integer seqlen;

    @Option(names = "--limit-tokens", paramLabel = "N", defaultValue = "0", description = "Evaluate only the first N tokens (0 = all). Default: ${DEFAULT-VALUE}.")
    long limitTokens;

    @Option(names = "--out", paramLabel = "OUT", description = "Write OUT/metrics.json.")
    Path out;

    @Mixin
    ThreadOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        if (limitTokens < 0) throw new UsageException("--limit-tokens must be >= 0, got " + limitTokens);
        try (HfCheckpoint ck = LmModels.open(model)) {
            DecoderModel m = DecoderModel.open(ck);
            int context = m.config().maxPositions();
            int l = seqlen != null ? seqlen : Math.min(context, 2048);
            if (l < 2 || l > context) throw new UsageException("--seqlen must be in [2, " + context + "] (the model's context), got " + l);
            Tokenizer tok = LmModels.tokenizer(model, m.config());
            LmText.Loaded t = text.load();
            long t0 = System.nanoTime();
            int[] ids = tok.encode(t.text(), false);
            double tokenizeSeconds = (System.nanoTime() - t0) / 1e9;
            long usable = limitTokens > 0 ? Math.min(limitTokens, ids.length) : ids.length;
            if (usable < l) throw new UsageException("the text has " + usable + " tokens, fewer than one window of --seqlen " + l);
            StepProgress bar = new StepProgress("windows", (int) (usable / l));
            Perplexity.Result r = Perplexity.evaluate(m, ids, l, limitTokens, (done, total, ppl) -> bar.update(done, String.format(Locale.ROOT, "ppl %.3f", ppl)));
            bar.finish();
            System.out.printf(Locale.ROOT, "perplexity %.4f on %,d tokens (%d windows of %d) of %s, %.1f tokens/s (JIT warm-up included)%n", r.perplexity(),
                    r.tokens(), r.windows(), r.seqlen(), t.source(), r.tokensPerSecond());
            if (out != null) {
                Map<String, Object> metrics = new LinkedHashMap<>();
                metrics.put("perplexity", r.perplexity());
                metrics.put("tokens", r.tokens());
                metrics.put("windows", r.windows());
                metrics.put("seqlen", r.seqlen());
                metrics.put("seconds", r.seconds());
                metrics.put("tokens_per_second", r.tokensPerSecond());
                metrics.put("mean_nll", r.meanNll());
                metrics.put("predicted_tokens", r.predicted());
                metrics.put("text_tokens", ids.length);
                metrics.put("tokenize_seconds", tokenizeSeconds);
                metrics.put("text", t.source());
                metrics.put("model", model.toString());
                metrics.put("threads", Parallel.threads());
                AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(metrics, true));
            }
        }
        return 0;
    }
}
