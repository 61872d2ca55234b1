package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.nn.Module;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.models.ModelConfig;
import jprune.nn.train.Trainer;
import jprune.prune.InferenceComparison;
import jprune.prune.PruneRecipe;
import jprune.prune.PruneRun;
import jprune.prune.RecipeException;
import jprune.prune.SparsitySchedule;
import jprune.prune.SparsityStats;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune prune}: prune a trained model on a schedule, fine-tune it and report. */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prune a trained model (from a checkpoint, or trained first with --model) and fine-tune it.",
                "Writes OUT/model.safetensors (masked weights are exact zeros), OUT/metrics.json, OUT/recipe.json and OUT/report.html."})
final class PruneCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    DenseSource source;

    @Option(names = "--recipe", paramLabel = "FILE", description = "A JSON recipe describing the whole run (as written to recipe.json); its keys: "
            + "from | model, sparsity, criterion, granularity, scope, schedule, finetune {epochs, lr, optimizer, schedule, batch, weight_decay}, "
            + "regularization {l1, l2}, keep [..], overrides [..], max_layer_sparsity, seed."
            + " Other flags, except --out, --threads, --data and --train-limit, must not be given with it.")
    Path recipeFile;

    @Option(names = "--sparsity", paramLabel = "S", description = "Target fraction of zero weights in [0, 1) (for channels, heads, mlp-neurons, blocks and hidden: of those groups, per layer or globally); required except for N:M, which implies it.")
    Double sparsityOption;

    @Option(names = "--criterion", paramLabel = "C", defaultValue = "magnitude", description = "magnitude, magnitude-l2, random, taylor (|w·dL/dw|; for structured granularities (Σ w·dL/dw over the group)²), obd (½·h·w², h the Gauss-Newton diagonal from per-sample gradients), obd-fisher (h the empirical Fisher diagonal), obd-hutchinson (h a Hutchinson estimate of the Hessian diagonal), movement (−Σw·dL/dw during fine-tuning; agp only); "
            + "for structured granularities also gate (|dL/dξ| of a gate on each group's output, Michel et al. for heads; not for hidden), and for blocks block-influence (1 − cosine of a block's input and output, ShortGPT) or skip-loss (calibration loss increase with the block skipped). Default: ${DEFAULT-VALUE}.")
    String criterion;

    @Option(names = "--granularity", paramLabel = "G", defaultValue = "unstructured", description = "unstructured; N:M (e.g. 2:4, 4:8) along the input dimension (with agp or iterative, reached gradually: 4:4 → 3:4 → 2:4 on the schedule); block:RxC (e.g. block:4x4, block:1x8) over the weight's output × input view; "
            + "channels (neurons and conv filters with their biases and batch-norm entries); for transformers (vit-tiny) heads (query/key/value rows and output columns), mlp-neurons, blocks, "
            + "or hidden (opt-in: dimensions of the residual stream, in the embeddings, every block and the head; layer norms then normalise over the kept ones). "
            + "Structured granularities are physically removed afterwards; a layer always keeps one head, neuron or channel, a model one block and one hidden dimension. Default: ${DEFAULT-VALUE}.")
    String granularity;

    @Option(names = "--scope", paramLabel = "S", defaultValue = "global", description = "layer or global. Default: ${DEFAULT-VALUE}.")
    String scope;

    @Option(names = "--schedule", paramLabel = "S", defaultValue = "agp", description = "oneshot, iterative:R or agp (gradual, cubic). Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--finetune-epochs", paramLabel = "E", defaultValue = "12", description = "Fine-tuning epochs (per round for iterative). Default: ${DEFAULT-VALUE}.")
    int finetuneEpochs;

    @Option(names = "--lr", paramLabel = "X", description = "Fine-tuning learning rate (cosine schedule). Fine-tuning uses the optimizer the model trains with: "
            + "SGD with Nesterov momentum at the model's own rate (0.05 for lenet-300-100, lenet-5 and convnet: learning-rate rewinding), "
            + "AdamW at a quarter of the model's rate with its weight decay (vit-tiny: 5e-4, 0.05); a recipe's finetune.optimizer overrides it.")
    Double lrOption;

    @Option(names = "--l1", paramLabel = "L", defaultValue = "0", description = "L1 penalty on weights during fine-tuning (drives more weights toward zero). Default: ${DEFAULT-VALUE}.")
    double l1;

    @Option(names = "--l2", paramLabel = "L", defaultValue = "0", description = "L2 penalty on weights during fine-tuning (besides weight decay). Default: ${DEFAULT-VALUE}.")
    double l2;

    @Option(names = "--keep", paramLabel = "REGEX", description = "Leave parameters whose name matches dense (repeatable), e.g. 'fc3\\.weight'.")
    List<String> keep = new ArrayList<>();

    @Option(names = "--override", paramLabel = "REGEX=S", description = "Per-layer sparsity for matching parameters (repeatable), e.g. 'fc1\\..*=0.95'.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--max-layer-sparsity", paramLabel = "S", defaultValue = "1.0", description = "Cap on any layer's sparsity, in (0, 1]. Default: ${DEFAULT-VALUE}.")
    double maxLayerSparsity;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed for random scores and fine-tuning shuffles. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--train-limit", paramLabel = "N", defaultValue = "0", description = "Use only the first N training images (0 = all), for quick runs.")
    int trainLimit;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        PruneRecipe recipe = recipeFile != null ? readRecipe() : recipeFromFlags();
        if (trainLimit < 0) throw new UsageException("--train-limit must be >= 0, got " + trainLimit);
        if (recipe.model() != null) {
            // Before training it: a granularity the model lacks, or a sparsity it cannot reach, fails now.
            try {
                recipe.checkApplicable(jprune.nn.models.Models.build(jprune.nn.models.Models.defaultConfig(recipe.model()), 0));
            } catch (RecipeException e) {
                throw new UsageException(flagMessage(e));
            }
        }
        source.checkOut(out);
        Data.Splits data = common.load(trainLimit);
        Files.createDirectories(out);

        Path denseFile = source.checkpoint(out, recipe.seed(), data, common.threads());
        ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(denseFile);
        Module model = loaded.model();
        ModelConfig config = loaded.config();
        double denseAcc = Trainer.accuracy(model, data.test(), 256);
        long denseParams = model.parameterCount();
        double inputSparsity = SparsityStats.of(model).sparsity();
        Module denseCopy = jprune.nn.models.Models.build(config, 0);
        denseCopy.loadStateDict(model.stateDict(), k -> false);
        float[] denseWeights = PruneReport.weights(model);
        SparsitySchedule sched = recipe.sparsitySchedule(recipe.finetuneConfig(config.name()), data.train().count());
        System.err.printf(Locale.ROOT, "pruning %s to %.1f%% (%s, %s scope, %s), dense test accuracy %.2f%%%n",
                config.name(), 100 * recipe.sparsity(), recipe.criterion(), recipe.scope(), sched.name(), 100 * denseAcc);

        long start = System.nanoTime();
        PruneRecipe.Result result;
        try {
            int rounds = sched instanceof SparsitySchedule.Iterative it ? it.rounds() : 1;
            result = recipe.run(model, config, data.train(), data.test(), new ProgressBar(System.err, Math.max(1, recipe.finetuneEpochs()), rounds));
        } catch (RecipeException e) {
            throw new UsageException(flagMessage(e));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        SparsityStats stats = result.stats();
        if (!recipe.parsedGranularity().isStructured() && Math.abs(stats.sparsity() - recipe.sparsity()) > 0.01)
            System.err.printf(Locale.ROOT, "note: reached %.2f%% sparsity, not the %.2f%% asked for: %s%n", 100 * stats.sparsity(), 100 * recipe.sparsity(),
                    inputSparsity > recipe.sparsity() + 0.01 ? String.format(Locale.ROOT, "the model was %.2f%% sparse already, and pruned weights stay pruned", 100 * inputSparsity)
                            : "kept layers, per-layer overrides, --max-layer-sparsity or blocks that do not fit a layer limit what can be removed");
        model = result.model();
        config = result.config();
        double acc = Trainer.accuracy(model, data.test(), 256);
        // Dense and pruned side by side in interleaved rounds: the speedup is a per-round ratio.
        Map<String, Module> forms = new LinkedHashMap<>();
        forms.put("dense", denseCopy);
        forms.put("pruned", model);
        List<InferenceComparison.Side> speeds = InferenceComparison.measure(forms, data.test(), 1000);

        Map<String, Object> recipeJson = result.recipeJson();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", config.name());
        m.put("dataset", Data.FASHION_MNIST);
        m.put("criterion", recipe.criterion());
        m.put("granularity", recipe.granularity());
        m.put("scope", recipe.scope());
        m.put("schedule", result.schedule().name());
        m.put("target_sparsity", recipe.sparsity());
        m.put("sparsity", stats.sparsity());
        m.put("dense_test_accuracy", denseAcc);
        m.put("test_accuracy", acc);
        m.put("accuracy_drop_points", 100 * (denseAcc - acc));
        m.put("params_total", model.parameterCount());
        SparsityStats finalStats = SparsityStats.of(model);
        m.put("params_nonzero", model.parameterCount() - (finalStats.total() - finalStats.nonzero()));
        m.put("params_total_dense", denseParams);
        if (result.compacted()) {
            m.put("compacted", true);
            List<Object> groups = new ArrayList<>();
            for (PruneRecipe.GroupCount c : result.groups()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("name", c.name());
                e.put("before", c.before());
                e.put("after", c.after());
                e.put("removed", c.removed());
                groups.add(e);
            }
            m.put(result.recipe().parsedGranularity().structure().metricsKey(), groups);
        }
        m.put("prunable_total", stats.total());
        m.put("prunable_nonzero", stats.nonzero());
        m.put("prune_seconds", seconds);
        m.put("layers", stats.layerMaps());
        // The pruned model here runs on the dense kernels: channel pruning shows its speedup because the
        // model was compacted, while unstructured and N:M masks only pay off once `compress` stores
        // them in sparse formats (see `bench model`).
        Map<String, Object> inference = new LinkedHashMap<>();
        inference.put("dense", speeds.get(0).toMap());
        inference.put("pruned", speeds.get(1).toMap());
        m.put("inference", inference);
        List<Object> rs = new ArrayList<>();
        for (PruneRun.Round r : result.rounds()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("round", r.round());
            e.put("sparsity", r.sparsity());
            e.put("test_accuracy_before_finetune", r.accuracyBeforeFinetune());
            e.put("test_accuracy", r.accuracy());
            e.put("seconds", r.seconds());
            rs.add(e);
        }
        m.put("rounds", rs);
        m.put("recipe", recipeJson);

        Map<String, String> meta = new LinkedHashMap<>();
        // The recipe goes beside the checkpoint (recipe.json), not into it: a pruned checkpoint must
        // not outgrow the dense one it came from.
        meta.put("test_accuracy", Double.toString(acc));
        ModelCheckpoint.save(out.resolve("model.safetensors"), config, model, meta);
        AtomicFiles.writeString(out.resolve("recipe.json"), Json.write(recipeJson, true));
        AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(m, true));
        PruneReport.write(out.resolve("report.html"), m, new PruneReport.Files(Files.size(denseFile), Files.size(out.resolve("model.safetensors"))), null,
                denseWeights, PruneReport.weights(model));
        String removed;
        if (result.compacted()) {
            int before = result.groups().stream().mapToInt(PruneRecipe.GroupCount::before).sum();
            int after = result.groups().stream().mapToInt(PruneRecipe.GroupCount::after).sum();
            removed = String.format(Locale.ROOT, "%d of %d %s removed, %,d of %,d parameters left", before - after, before,
                    result.recipe().parsedGranularity().structure().units(), model.parameterCount(), denseParams);
        } else {
            removed = String.format(Locale.ROOT, "sparsity %.2f%%", 100 * stats.sparsity());
        }
        System.out.printf(Locale.ROOT, "%s: %s, test accuracy %.2f%% (dense %.2f%%, %s); wrote %s%n",
                config.name(), removed, 100 * acc, 100 * denseAcc, Metrics.drop(100 * (denseAcc - acc)), out.resolve("model.safetensors"));
        return 0;
    }

    /** The recipe the flags describe; a bad value is a usage error naming its flag. */
    PruneRecipe recipeFromFlags() {
        if (source == null) throw new UsageException("give --from DIR or --model M (or a --recipe naming one)");
        try {
            return PruneRecipe.builder()
                    .from(source.from != null ? source.from.toString() : null).model(source.model)
                    .sparsity(sparsityOption != null ? sparsityOption : Double.NaN)
                    .criterion(criterion).granularity(granularity).scope(scope).schedule(schedule)
                    .keep(keep).overrides(overrides).maxLayerSparsity(maxLayerSparsity)
                    .finetuneEpochs(finetuneEpochs).finetuneLr(lrOption != null ? lrOption : Double.NaN)
                    .l1(l1).l2(l2).seed(seed).build();
        } catch (RecipeException e) {
            throw new UsageException(flagMessage(e));
        }
    }

    /** The flag each recipe field is set by; fields without one are recipe-only. */
    private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("sparsity", "--sparsity"), Map.entry("criterion", "--criterion"),
            Map.entry("granularity", "--granularity"), Map.entry("scope", "--scope"), Map.entry("schedule", "--schedule"),
            Map.entry("keep", "--keep"), Map.entry("overrides", "--override"), Map.entry("max_layer_sparsity", "--max-layer-sparsity"),
            Map.entry("finetune.epochs", "--finetune-epochs"), Map.entry("finetune.lr", "--lr"), Map.entry("seed", "--seed"));

    /** A recipe error in the command line's terms: the flag's name, or the bare reason when no flag sets the field. */
    String flagMessage(RecipeException e) {
        if (recipeFile != null) return e.getMessage();
        String flag = FLAGS.get(e.field());
        if (flag != null) return flag + e.reason();
        return e.reason().startsWith(": ") ? e.reason().substring(2) : e.field() + e.reason();
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Options a recipe may not be combined with (they are the recipe's fields). */
    static final List<String> RECIPE_FIELDS_AS_FLAGS = List.of("--from", "--model", "--sparsity", "--criterion", "--granularity", "--scope",
            "--schedule", "--finetune-epochs", "--lr", "--l1", "--l2", "--keep", "--override", "--max-layer-sparsity", "--seed");

    /** The recipe file, its fields validated by name; its source becomes this run's. */
    PruneRecipe readRecipe() throws java.io.IOException {
        for (String flag : RECIPE_FIELDS_AS_FLAGS) {
            if (spec.commandLine().getParseResult().hasMatchedOption(flag))
                throw new UsageException(flag + " cannot be combined with --recipe; put it in the recipe instead");
        }
        if (!Files.isRegularFile(recipeFile)) throw new UsageException("--recipe: no such file " + recipeFile);
        Map<String, Object> json;
        try {
            json = Json.parseObject(Files.readString(recipeFile));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--recipe " + recipeFile + ": " + e.getMessage());
        }
        PruneRecipe r;
        try {
            r = PruneRecipe.fromMap(json, true);
        } catch (RecipeException e) {
            throw new UsageException(e.getMessage());
        }
        source = new DenseSource();
        if (r.from() != null) {
            source.from = Path.of(r.from());
            // recipe.json records the path as the command line sees it.
            r = r.toBuilder().from(source.from.toString()).build();
        } else {
            source.model = r.model();
        }
        return r;
    }
}
