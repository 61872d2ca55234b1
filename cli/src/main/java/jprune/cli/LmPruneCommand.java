package jprune.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import jprune.lm.eval.Perplexity;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.DecoderModel;
import jprune.lm.prune.CalibrationSamples;
import jprune.lm.prune.OneShotSettings;
import jprune.lm.prune.PruneMethod;
import jprune.lm.prune.SequentialPruner;
import jprune.lm.prune.SparsityPattern;
import jprune.lm.tokenizer.Tokenizer;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.tensor.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jprune lm prune}: one-shot magnitude, Wanda or SparseGPT pruning of a Hugging Face language
 * model, or with --granularity structured pruning of its heads, MLP neurons or blocks ({@link LmStructuredPrune}).
 */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"One-shot pruning of a language model's transformer blocks (attention and MLP projections; embeddings,",
                "norms and lm_head stay dense), block by block: each block's calibration inputs are the outputs of the blocks",
                "before it after they were pruned. Writes OUT as a Hugging Face checkpoint in the input's dtype and layout",
                "(pruned weights are exact zeros), with OUT/metrics.json, OUT/report.html, OUT/recipe.json (rerun it with",
                "--recipe) and OUT/calibration.json (the token ids calibrated on, reusable as --calib).",
                "With --granularity heads|mlp-neurons|blocks|hidden: structured pruning instead. The lowest-scoring attention heads",
                "(with grouped-query attention: key/value heads with the query heads sharing them), MLP neurons, whole blocks or",
                "(opt-in, it narrows every layer) residual-stream dimensions are removed and OUT is written compacted (smaller",
                "matrices, fewer blocks), optionally fine-tuned (--finetune-steps), in one shot or in rounds (--schedule iterative:R),",
                "with OUT/metrics.json, OUT/report.html and, when its criterion calibrates, OUT/calibration.json (no recipe.json)."})
final class LmPruneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", description = "Hugging Face checkpoint directory with tokenizer files.")
    Path model;

    @Option(names = "--method", paramLabel = "NAME", description = "magnitude, wanda or sparsegpt.")
    String method;

    @Option(names = "--sparsity", paramLabel = "S", description = "Unstructured: the fraction of each pruned layer's weights removed, in (0, 1)."
            + " With --granularity: the fraction of heads (key/value groups), neurons or blocks removed, per layer or global (--scope);"
            + " hidden: the fraction of the residual-stream width (hidden_size / n_embd) removed.")
    Double sparsity;

    @Option(names = "--pattern", paramLabel = "N:M", description = "Semi-structured: keep at most N of every M consecutive inputs of a row (2:4, 4:8).")
    String pattern;

    @Option(names = "--granularity", paramLabel = "G",
            description = "Structured pruning: heads, mlp-neurons, blocks or hidden, removed physically (OUT is written compacted). Each layer keeps at least "
                    + "one head and one neuron, the model one block and one hidden dimension. hidden is opt-in: it narrows the residual stream, so every "
                    + "block's projections, every norm, the embeddings and the head. Default: none (unstructured, or N:M with --pattern).")
    String granularity;

    @Option(names = "--criterion", paramLabel = "C",
            description = "With --granularity, the group score (higher = kept): magnitude (mean |w| of the group's own weights; default for heads "
                    + "and mlp-neurons), magnitude-l2 (mean w²), taylor ((Σ w·dL/dw over the group)², per calibration batch of 8 samples), "
                    + "gate (|Σ w·dL/dw over the group's output-projection slices|, Michel et al.); for blocks also block-influence "
                    + "(1 − cosine of a block's input and output hidden states, ShortGPT; default for blocks) and skip-loss (calibration "
                    + "loss increase with the block skipped); hidden takes magnitude (mean |w| of the projections' input columns that read the "
                    + "dimension), magnitude-l2 and taylor. All but magnitude and magnitude-l2 need --calib.")
    String criterion;

    @Option(names = "--scope", paramLabel = "S", description = "With --granularity heads or mlp-neurons: layer (each layer loses the same fraction; default) or global (one ranking across layers).")
    String scope;

    @Option(names = "--schedule", paramLabel = "S",
            description = "With --granularity: oneshot (default) or iterative:R: R rounds, each scoring the model the previous round left (compacted, "
                    + "fine-tuned) and removing its share, so that the fraction of the input's groups removed after round r is 1 − (1 − S)^(r/R) and "
                    + "after the last exactly --sparsity; --finetune-steps are run after every round.")
    String schedule;

    @Option(names = "--blocks-to-remove", paramLabel = "LIST",
            description = "With --granularity blocks: remove exactly these blocks (0-based, e.g. 1,3,5,7 for every other block of 8) instead of scoring them.")
    String blocksToRemove;

    @Option(names = "--finetune-steps", paramLabel = "N", defaultValue = "0",
            description = "With --granularity: fine-tune the compacted model for N steps (AdamW, warm-up then cosine, as lm train) before saving; with "
                    + "--schedule iterative:R, N steps after each round. Default: ${DEFAULT-VALUE}.")
    int finetuneSteps;

    @Option(names = "--finetune-lr", paramLabel = "LR", defaultValue = "5e-4", description = "Peak learning rate of the fine-tuning. Default: ${DEFAULT-VALUE}.")
    double finetuneLr;

    @Option(names = "--finetune-batch", paramLabel = "B", defaultValue = "8", description = "Windows of --seqlen + 1 tokens per fine-tuning step. Default: ${DEFAULT-VALUE}.")
    int finetuneBatch;

    @Option(names = "--finetune-text", paramLabel = "SOURCE", description = "Fine-tuning text: a file or brown:train. Default: the --calib text.")
    String finetuneText;

    @Option(names = "--calib", paramLabel = "SOURCE",
            description = "Calibration data: a UTF-8 text file (--nsamples windows of --seqlen tokens at seeded random starts),"
                    + " brown:train|validation|test, or a .json file holding a list of token-id lists (used exactly as given)."
                    + " Not needed for magnitude.")
    String calib;

    @Option(names = "--nsamples", paramLabel = "N", description = "Calibration samples. Default: 128 (for a .json file: all of them).")
    Integer nsamples;

    @Option(names = "--seqlen", paramLabel = "L", description = "Tokens per calibration sample (and per fine-tuning window). Default: the model's context, capped at 2048.")
    Integer seqlen;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the calibration windows (and of the fine-tuning batches). Default: 0.")
    Long seed;

    @Option(names = "--layers", paramLabel = "REGEX", description = "Prune only projections whose name contains a match (e.g. 'mlp').")
    String layers;

    @Option(names = "--skip", paramLabel = "REGEX", description = "Leave projections whose name contains a match dense (e.g. 'layers\\.0\\.').")
    String skip;

    @Option(names = "--blocksize", paramLabel = "B", description = "SparseGPT: columns updated together. Default: 128.")
    Integer blocksize;

    @Option(names = "--percdamp", paramLabel = "F", description = "SparseGPT: dampening, this fraction of H's mean diagonal. Default: 0.01.")
    Double percdamp;

    @Option(names = "--eval", paramLabel = "SOURCE",
            description = "Perplexity of the dense and the pruned model on this text (a file or brown:test), as lm eval computes it.")
    String eval;

    @Option(names = "--eval-dense", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With --eval, also evaluate the dense model (default); --no-eval-dense evaluates only the pruned one.")
    boolean evalDense;

    @Option(names = "--eval-seqlen", paramLabel = "L", description = "Window of --eval. Default: the model's context, capped at 2048.")
    Integer evalSeqlen;

    @Option(names = "--eval-limit-tokens", paramLabel = "N", description = "Evaluate only the first N tokens of --eval (0 = all). Default: 0.")
    Long evalLimit;

    @Option(names = "--brown", paramLabel = "DIR", description = "Where the Brown corpus is (default: $JPRUNE_BROWN, then where bin/setup installs it).")
    Path brown;

    @Option(names = "--recipe", paramLabel = "FILE", description = "A recipe.json of an earlier run: its settings, overridden by flags given here.")
    Path recipe;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output checkpoint directory.")
    Path out;

    @Mixin
    ThreadOptions common;

    static final int MAX_SAMPLES = 1 << 20;

    @Override
    public Integer call() throws Exception {
        common.apply();
        checkOut();
        if (granularity != null) return new LmStructuredPrune(this).run();
        if (criterion != null || scope != null || schedule != null || blocksToRemove != null || finetuneSteps != 0 || finetuneText != null)
            throw new UsageException("--criterion, --scope, --schedule, --blocks-to-remove and --finetune-* need --granularity heads, mlp-neurons, blocks or hidden");
        if (recipe != null) applyRecipe();
        if (model == null) throw new UsageException("--model is required");
        checkOut();
        if (method == null) throw new UsageException("--method is required: magnitude, wanda or sparsegpt");
        PruneMethod m = parse(() -> PruneMethod.parse(method));
        if ((sparsity == null) == (pattern == null)) throw new UsageException("give exactly one of --sparsity S and --pattern N:M");
        SparsityPattern target = parse(() -> pattern != null ? SparsityPattern.parse(pattern) : SparsityPattern.unstructured(sparsity));
        OneShotSettings settings = parse(() -> new OneShotSettings(m, target, regex("--layers", layers), regex("--skip", skip),
                blocksize != null ? blocksize : 128, percdamp != null ? percdamp : 0.01));
        if (m.needsCalibration() && calib == null) throw new UsageException("--calib is required for --method " + m.cliName());
        checkSamples();
        if (evalLimit != null && evalLimit < 0) throw new UsageException("--eval-limit-tokens must be >= 0, got " + evalLimit);
        if (eval == null && (evalSeqlen != null || evalLimit != null))
            throw new UsageException((evalSeqlen != null ? "--eval-seqlen" : "--eval-limit-tokens") + " applies to --eval, which is not given");
        long started = System.nanoTime();
        try (MemoryUse.HeapSampler heap = new MemoryUse.HeapSampler(); HfCheckpoint ck = LmModels.open(model)) {
            if (!jprune.lm.hf.PackedWeights.listed(ck).isEmpty())
                throw new UsageException("--model: " + model + " is a compressed model (its projections are packed); prune the model it was compressed from");
            DecoderModel dense = DecoderModel.open(ck);
            int context = dense.config().maxPositions();
            int l = seqlen != null ? seqlen : Math.min(context, 2048);
            if (l < 2 || l > context) throw new UsageException("--seqlen must be in [2, " + context + "] (the model's context), got " + l);
            SequentialPruner pruner = new SequentialPruner(settings);
            parse(() -> pruner.selected(dense));
            Tokenizer tok = (calib != null && !calib.endsWith(".json")) || eval != null ? LmModels.tokenizer(model, dense.config()) : null;
            CalibrationSamples samples = calibration(tok, dense, l);
            LmText.Loaded evalText = eval != null ? LmText.source(eval, brown, "--eval") : null;
            int[] evalIds = evalText != null ? tok.encode(evalText.text(), false) : null;
            Double densePpl = null;
            int el = evalSeqlen != null ? evalSeqlen : Math.min(context, 2048);
            if (evalText != null) {
                if (el < 2 || el > context) throw new UsageException("--eval-seqlen must be in [2, " + context + "], got " + el);
                if (evalDense) densePpl = perplexity(dense, evalIds, evalText.source(), el, "dense");
            }
            Map<String, Object> metrics = new LinkedHashMap<>();
            StepProgress bar = new StepProgress("blocks", dense.blockCount());
            SequentialPruner.Result r = parse(() -> pruner.pruneInto(ck, dense, samples, out, (done, total, layerResults) -> bar.update(done, summary(layerResults))));
            bar.finish();
            Double ppl = null;
            if (evalText != null) {
                try (HfCheckpoint written = HfCheckpoint.open(out)) {
                    ppl = perplexity(DecoderModel.open(written), evalIds, evalText.source(), el, "pruned");
                }
            }
            metrics.put("method", m.cliName());
            metrics.put("sparsity", r.sparsity());
            metrics.put("target_sparsity", target.sparsity());
            metrics.put("pattern", target.isNofM() ? target.n() + ":" + target.m() : "unstructured");
            metrics.put("nsamples", samples == null ? 0 : samples.samples().size());
            metrics.put("seqlen", samples == null ? 0 : samples.longest());
            metrics.put("calibration_tokens", samples == null ? 0 : samples.tokens());
            metrics.put("calibration", samples == null ? null : samples.source());
            metrics.put("dense_perplexity", densePpl);
            metrics.put("perplexity", ppl);
            if (evalText != null) {
                metrics.put("eval", evalText.source());
                metrics.put("eval_seqlen", el);
                metrics.put("eval_tokens", evalTokens(evalIds, el));
            }
            metrics.put("reconstruction_error_tokens", samples == null ? 0 : SequentialPruner.errorTokens(samples.tokens()));
            metrics.put("prune_seconds", r.seconds());
            metrics.put("seconds", (System.nanoTime() - started) / 1e9);
            metrics.put("peak_heap_bytes", heap.max());
            metrics.put("peak_heap_after_gc_bytes", heap.maxAfterCollection());
            metrics.put("peak_rss_bytes", MemoryUse.peakRssBytes());
            metrics.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
            metrics.put("threads", Parallel.threads());
            metrics.put("model", model.toString());
            metrics.put("dtype", ck.dtype() == null ? null : ck.dtype().name());
            if (m == PruneMethod.SPARSEGPT) {
                metrics.put("blocksize", settings.blocksize());
                metrics.put("percdamp", settings.percdamp());
            }
            List<Map<String, Object>> layerList = new ArrayList<>();
            for (SequentialPruner.LayerResult lr : r.layers()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("name", lr.name());
                e.put("shape", List.of(lr.shape()[0], lr.shape()[1]));
                e.put("sparsity", lr.sparsity());
                e.put("seconds", lr.seconds());
                e.put("reconstruction_error", Double.isNaN(lr.reconstructionError()) ? null : lr.reconstructionError());
                layerList.add(e);
            }
            metrics.put("layers", layerList);
            AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(metrics, true));
            AtomicFiles.writeString(out.resolve("recipe.json"), Json.write(recipeOf(m, target, settings, samples, l), true));
            LmPruneReport.write(out.resolve("report.html"), Json.parseObject(Json.write(metrics, false)));
            if (samples != null) AtomicFiles.writeString(out.resolve("calibration.json"), samples.toJson() + "\n");
            System.out.printf(Locale.ROOT, "%s %s: sparsity %.4f over %d projections in %.1f s%s -> %s%n", m.cliName(),
                    target.isNofM() ? target.n() + ":" + target.m() : String.format(Locale.ROOT, "%.2f", target.sparsity()), r.sparsity(),
                    r.layers().size(), r.seconds(),
                    evalText == null ? "" : densePpl != null ? String.format(Locale.ROOT, "; perplexity %.3f (dense %.3f)", (Double) metrics.get("perplexity"), densePpl)
                            : String.format(Locale.ROOT, "; perplexity %.3f", (Double) metrics.get("perplexity")),
                    out);
        }
        return 0;
    }

    /** The papers calibrate on 128 samples; a million windows is past any heap, and past it counts overflow. */
    void checkSamples() {
        checkSampleCount(nsamples);
    }

    /** --nsamples of lm prune, and of lm sweep, which passes it on. */
    static void checkSampleCount(Integer nsamples) {
        if (nsamples != null && (nsamples < 1 || nsamples > MAX_SAMPLES))
            throw new UsageException("--nsamples must be in [1, " + MAX_SAMPLES + "], got " + nsamples);
    }

    CalibrationSamples calibration(Tokenizer tok, DecoderModel dense, int l) throws IOException {
        if (calib == null) return null;
        checkSamples();
        int vocab = dense.config().vocabSize();
        CalibrationSamples s;
        if (calib.endsWith(".json")) {
            Path file = Path.of(calib);
            if (!Files.isRegularFile(file)) throw new UsageException("--calib: no file " + file);
            CalibrationSamples all = parse(() -> CalibrationSamples.fromJson(file, vocab));
            s = nsamples != null ? parse(() -> all.first(nsamples)) : all;
        } else {
            LmText.Loaded text = LmText.source(calib, brown, "--calib");
            int[] ids = tok.encode(text.text(), false);
            int n = nsamples != null ? nsamples : 128;
            long sd = seed != null ? seed : 0;
            s = parse(() -> CalibrationSamples.fromTokens(ids, n, l, sd, text.source()));
        }
        if (dense.config().family() == jprune.lm.model.LmConfig.Family.GPT2 && s.longest() > dense.config().maxPositions())
            throw new UsageException("--calib: a sample of " + s.longest() + " tokens exceeds the model's " + dense.config().maxPositions() + " positions");
        return s;
    }

    /** Tokens the perplexity scores: whole windows of el within the first --eval-limit-tokens (all when none). */
    long evalTokens(int[] ids, int el) {
        long usable = evalLimit != null && evalLimit > 0 ? Math.min(evalLimit, ids.length) : ids.length;
        return usable / el * el;
    }

    /** Perplexity of m on the tokenized --eval text (ids), as lm eval computes it. */
    double perplexity(DecoderModel m, int[] ids, String source, int el, String what) {
        long limit = evalLimit != null ? evalLimit : 0;
        long usable = limit > 0 ? Math.min(limit, ids.length) : ids.length;
        if (usable < el) throw new UsageException("--eval " + source + " has " + usable + " tokens, fewer than one window of " + el);
        StepProgress bar = new StepProgress(what + " perplexity", (int) (usable / el));
        Perplexity.Result r = Perplexity.evaluate(m, ids, el, limit, (done, total, ppl) -> bar.update(done, String.format(Locale.ROOT, "ppl %.3f", ppl)));
        bar.finish();
        return r.perplexity();
    }

    private static String summary(List<SequentialPruner.LayerResult> layers) {
        double worst = 0;
        for (SequentialPruner.LayerResult l : layers) worst = Math.max(worst, l.reconstructionError());
        return layers.isEmpty() ? "" : String.format(Locale.ROOT, "%d projections, worst error %.4f", layers.size(), worst);
    }

    private static Pattern regex(String flag, String s) {
        if (s == null) return null;
        try {
            return Pattern.compile(s);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(flag + ": not a regular expression: " + e.getDescription());
        }
    }

    /** Something that may fail on bad input (IllegalArgumentException, reported as a usage error) or on I/O. */
    @FunctionalInterface
    interface Checked<T> {
        T get() throws IOException;
    }

    static <T> T parse(Checked<T> s) throws IOException {
        try {
            return s.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private Map<String, Object> recipeOf(PruneMethod m, SparsityPattern target, OneShotSettings settings, CalibrationSamples samples, int l) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("command", "lm prune");
        r.put("model", model.toString());
        r.put("method", m.cliName());
        if (target.isNofM()) r.put("pattern", target.n() + ":" + target.m());
        else r.put("sparsity", target.sparsity());
        r.put("calib", calib);
        if (samples != null) {
            r.put("nsamples", samples.samples().size());
            r.put("seqlen", l);
            r.put("seed", seed != null ? seed : 0L);
        }
        r.put("layers", layers);
        r.put("skip", skip);
        r.put("blocksize", settings.blocksize());
        r.put("percdamp", settings.percdamp());
        r.put("eval", eval);
        r.put("eval_dense", evalDense);
        r.put("eval_seqlen", evalSeqlen);
        r.put("eval_limit_tokens", evalLimit);
        r.put("threads", Parallel.threads());
        return r;
    }

    /**
     * Writing the pruned checkpoint over the one being read would lose it (and corrupt the run), and
     * over a directory that is not a checkpoint would delete its files.
     */
    void checkOut() {
        if (model != null) SavedModel.requireOutDiffers(out, model, "--model", "the pruned checkpoint would replace the one it is pruned from");
        if (out != null) SavedModel.requireCheckpointOut(out);
    }

    /** Fills every option not given on the command line from --recipe. */
    private void applyRecipe() throws IOException {
        if (!Files.isRegularFile(recipe)) throw new UsageException("--recipe: no file " + recipe);
        Map<String, Object> r;
        try {
            r = Json.parseObject(Files.readString(recipe, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new UsageException("--recipe " + recipe + ": not a JSON object (" + e.getMessage() + ")");
        }
        if (!"lm prune".equals(r.get("command"))) throw new UsageException("--recipe " + recipe + ": not an lm prune recipe");
        JsonFields f = new JsonFields(r, "--recipe " + recipe, RECIPE_FIELDS);
        var given = spec.commandLine().getParseResult();
        if (!given.hasMatchedOption("--model") && f.string("model") != null) model = Path.of(f.string("model"));
        if (!given.hasMatchedOption("--method")) method = f.string("method");
        if (!given.hasMatchedOption("--sparsity") && !given.hasMatchedOption("--pattern")) {
            sparsity = f.number("sparsity");
            pattern = f.string("pattern");
        }
        if (!given.hasMatchedOption("--calib")) calib = f.string("calib");
        if (!given.hasMatchedOption("--nsamples") && f.integer("nsamples") != null) nsamples = f.integer("nsamples");
        if (!given.hasMatchedOption("--seqlen") && f.integer("seqlen") != null) seqlen = f.integer("seqlen");
        if (!given.hasMatchedOption("--seed") && f.longInteger("seed") != null) seed = f.longInteger("seed");
        if (!given.hasMatchedOption("--layers")) layers = f.string("layers");
        if (!given.hasMatchedOption("--skip")) skip = f.string("skip");
        if (!given.hasMatchedOption("--blocksize") && f.integer("blocksize") != null) blocksize = f.integer("blocksize");
        if (!given.hasMatchedOption("--percdamp") && f.number("percdamp") != null) percdamp = f.number("percdamp");
        if (!given.hasMatchedOption("--eval")) eval = f.string("eval");
        if (!given.hasMatchedOption("--eval-dense") && !given.hasMatchedOption("--no-eval-dense") && f.bool("eval_dense") != null)
            evalDense = f.bool("eval_dense");
        if (!given.hasMatchedOption("--eval-seqlen") && f.integer("eval_seqlen") != null) evalSeqlen = f.integer("eval_seqlen");
        if (!given.hasMatchedOption("--eval-limit-tokens") && f.longInteger("eval_limit_tokens") != null) evalLimit = f.longInteger("eval_limit_tokens");
        Integer threads = f.integer("threads");
        if (!given.hasMatchedOption("--threads") && threads != null) {
            if (threads < 1) throw new UsageException("--recipe " + recipe + ": field 'threads' must be >= 1, got " + threads);
            Parallel.setThreads(threads);
        }
    }

    /** What {@link #recipeOf} writes. */
    private static final Set<String> RECIPE_FIELDS = Set.of("command", "model", "method", "pattern", "sparsity", "calib", "nsamples",
            "seqlen", "seed", "layers", "skip", "blocksize", "percdamp", "eval", "eval_dense", "eval_seqlen", "eval_limit_tokens", "threads");
}
