package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import jprune.nn.Module;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.models.ModelConfig;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import jprune.prune.Criteria;
import jprune.prune.Criterion;
import jprune.prune.Granularity;
import jprune.prune.Pruner;
import jprune.prune.PruneRun;
import jprune.prune.PruneSpec;
import jprune.prune.Scope;
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

    @Option(names = "--recipe", paramLabel = "FILE", description = {"A JSON recipe describing the whole run (as written to recipe.json); its keys: "
            + "from | model, sparsity, criterion, granularity, scope, schedule, finetune {epochs, lr, optimizer, schedule, batch, weight_decay}, "
            + "regularization {l1, l2}, keep [..], overrides [..], max_layer_sparsity, seed.",
            "Other flags, except --out, --threads, --data and --train-limit, must not be given with it."})
    Path recipeFile;

    @Option(names = "--sparsity", paramLabel = "S", description = "Target fraction of zero weights in [0, 1); required for unstructured pruning, implied by N:M.")
    Double sparsityOption;

    double sparsity;

    @Option(names = "--criterion", paramLabel = "C", defaultValue = "magnitude", description = "magnitude, magnitude-l2, random, taylor (|w·dL/dw|), obd (½·h·w², h the empirical Fisher diagonal from per-sample gradients), obd-hutchinson (h a Hutchinson estimate of the Hessian diagonal) or movement (−Σw·dL/dw during fine-tuning; agp only). Default: ${DEFAULT-VALUE}.")
    String criterion;

    @Option(names = "--granularity", paramLabel = "G", defaultValue = "unstructured", description = "unstructured; N:M (e.g. 2:4, 4:8) along the input dimension (with agp or iterative, reached gradually: 4:4 → 3:4 → 2:4 on the schedule); block:RxC (e.g. block:4x4, block:1x8) over the weight's output × input view; "
            + "or channels (neurons and conv filters with their biases and batch-norm entries, then physically removed). Default: ${DEFAULT-VALUE}.")
    String granularity;

    @Option(names = "--scope", paramLabel = "S", defaultValue = "global", description = "layer or global. Default: ${DEFAULT-VALUE}.")
    String scope;

    @Option(names = "--schedule", paramLabel = "S", defaultValue = "agp", description = "oneshot, iterative:R or agp (gradual, cubic). Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--finetune-epochs", paramLabel = "E", defaultValue = "12", description = "Fine-tuning epochs (per round for iterative). Default: ${DEFAULT-VALUE}.")
    int finetuneEpochs;

    @Option(names = "--lr", paramLabel = "X", description = "Fine-tuning learning rate (SGD, Nesterov, cosine). Default: the rate the model's own recipe "
            + "trains at when that recipe is SGD (0.05 for lenet-300-100, lenet-5 and convnet: learning-rate rewinding), else 0.01.")
    Double lrOption;

    /** The fine-tuning rate in use: --lr, the recipe's, or the model's default (see {@link #defaultLr}). */
    double lr;

    @Option(names = "--l1", paramLabel = "L", defaultValue = "0", description = "L1 penalty on weights during fine-tuning (drives more weights toward zero). Default: ${DEFAULT-VALUE}.")
    double l1;

    @Option(names = "--l2", paramLabel = "L", defaultValue = "0", description = "L2 penalty on weights during fine-tuning (besides weight decay). Default: ${DEFAULT-VALUE}.")
    double l2;

    /** Fine-tuning settings only a recipe sets (flags keep to the common ones). */
    String finetuneOptimizer = "sgd", finetuneSchedule = "cosine";
    int finetuneBatch = 128;
    double weightDecay = 1e-4;

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
        if (recipeFile != null) applyRecipe();
        if (source == null) throw new UsageException("give --from DIR or --model M (or a --recipe naming one)");
        if (!Criteria.NAMES.contains(criterion)) throw new UsageException("--criterion must be one of " + Criteria.NAMES + ", got '" + criterion + "'");
        if (finetuneEpochs < 0) throw new UsageException("--finetune-epochs must be >= 0, got " + finetuneEpochs);
        if (criterion.equals("movement") && !schedule.equals("agp"))
            throw new UsageException("--criterion movement scores weights during fine-tuning, so it needs --schedule agp, got '" + schedule + "'");
        if (trainLimit < 0) throw new UsageException("--train-limit must be >= 0, got " + trainLimit);
        SparsitySchedule sched = schedule();
        Pruner pruner = pruner();
        PruneSpec spec = spec();
        // Validated with a stand-in rate before any data is read; the real default depends on the model.
        finetuneConfig(lrOption != null ? lrOption : 0.01);
        Data.Splits data = common.load(trainLimit);
        Files.createDirectories(out);

        Path denseFile = source.checkpoint(out, seed, data, common.threads());
        ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(denseFile);
        Module model = loaded.model();
        ModelConfig config = loaded.config();
        lr = lrOption != null ? lrOption : defaultLr(config.name());
        TrainConfig finetune = finetuneConfig(lr);
        double denseAcc = Trainer.accuracy(model, data.test(), 256);
        long denseParams = model.parameterCount();
        Module denseCopy = jprune.nn.models.Models.build(config, 0);
        denseCopy.loadStateDict(model.stateDict(), k -> false);
        float[] denseWeights = PruneReport.weights(model);
        jprune.prune.InferenceTiming denseSpeed = jprune.prune.InferenceTiming.measure(model, data.test());
        if (sched instanceof SparsitySchedule.Gradual) sched = PruneRun.defaultGradual(finetune, data.train().count());
        System.err.printf(Locale.ROOT, "pruning %s to %.1f%% (%s, %s scope, %s), dense test accuracy %.2f%%%n",
                config.name(), 100 * sparsity, criterion, scope, sched.name(), 100 * denseAcc);

        long start = System.nanoTime();
        if (isChannels()) {
            try {
                pruner = Granularity.parse(granularity).pruner(model);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--granularity " + granularity + ": " + e.getMessage());
            }
        }
        List<PruneRun.Round> rounds = PruneRun.run(model, pruner, criterionFor(criterion, seed), spec, sched, finetune, data.train(), data.test(),
                new ProgressBar(System.err, Math.max(1, finetuneEpochs)));
        double seconds = (System.nanoTime() - start) / 1e9;
        SparsityStats stats = SparsityStats.of(model);
        List<Object> channels = null;
        if (isChannels()) {
            // Physically remove the masked channels: a smaller dense model computing the same outputs.
            channels = channelCounts(model);
            jprune.prune.Compactor.Result small = jprune.prune.Compactor.compact(model, config);
            model = small.model();
            config = small.config();
        }
        double acc = Trainer.accuracy(model, data.test(), 256);
        jprune.prune.InferenceTiming prunedSpeed = jprune.prune.InferenceTiming.measure(model, data.test());
        // Time the dense model again now that every kernel is compiled, and keep its better figures.
        denseSpeed = denseSpeed.best(jprune.prune.InferenceTiming.measure(denseCopy, data.test()));

        Map<String, Object> recipe = recipe(config, sched);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", config.name());
        m.put("dataset", Data.FASHION_MNIST);
        m.put("criterion", criterion);
        m.put("granularity", granularity);
        m.put("scope", scope);
        m.put("schedule", sched.name());
        m.put("target_sparsity", sparsity);
        m.put("sparsity", stats.sparsity());
        m.put("dense_test_accuracy", denseAcc);
        m.put("test_accuracy", acc);
        m.put("accuracy_drop_points", 100 * (denseAcc - acc));
        m.put("params_total", model.parameterCount());
        SparsityStats finalStats = SparsityStats.of(model);
        m.put("params_nonzero", model.parameterCount() - (finalStats.total() - finalStats.nonzero()));
        m.put("params_total_dense", denseParams);
        if (channels != null) {
            m.put("compacted", true);
            m.put("channels", channels);
        }
        m.put("prunable_total", stats.total());
        m.put("prunable_nonzero", stats.nonzero());
        m.put("prune_seconds", seconds);
        m.put("layers", stats.layerMaps());
        // The pruned model here runs on the dense kernels: channel pruning shows its speedup because the
        // model was compacted, while unstructured and N:M masks only pay off once `compress` stores
        // them in sparse formats (see `bench model`).
        Map<String, Object> inference = new LinkedHashMap<>();
        inference.put("dense", denseSpeed.toMap());
        inference.put("pruned", prunedSpeed.toMap());
        m.put("inference", inference);
        List<Object> rs = new ArrayList<>();
        for (PruneRun.Round r : rounds) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("round", r.round());
            e.put("sparsity", r.sparsity());
            e.put("test_accuracy_before_finetune", r.accuracyBeforeFinetune());
            e.put("test_accuracy", r.accuracy());
            e.put("seconds", r.seconds());
            rs.add(e);
        }
        m.put("rounds", rs);
        m.put("recipe", recipe);

        Map<String, String> meta = new LinkedHashMap<>();
        // The recipe goes beside the checkpoint (recipe.json), not into it: a pruned checkpoint must
        // not outgrow the dense one it came from.
        meta.put("test_accuracy", Double.toString(acc));
        ModelCheckpoint.save(out.resolve("model.safetensors"), config, model, meta);
        AtomicFiles.writeString(out.resolve("recipe.json"), Json.write(recipe, true));
        AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(m, true));
        PruneReport.write(out.resolve("report.html"), m, new PruneReport.Files(Files.size(denseFile), Files.size(out.resolve("model.safetensors"))), null,
                denseWeights, PruneReport.weights(model));
        System.out.printf(Locale.ROOT, "%s: sparsity %.2f%%, test accuracy %.2f%% (dense %.2f%%, drop %.2f points); wrote %s%n",
                config.name(), 100 * stats.sparsity(), 100 * acc, 100 * denseAcc, 100 * (denseAcc - acc), out.resolve("model.safetensors"));
        return 0;
    }

    private TrainConfig finetuneConfig(double rate) {
        try {
            return TrainConfig.builder().epochs(finetuneEpochs).batchSize(finetuneBatch).lr(rate).optimizer(finetuneOptimizer)
                    .schedule(finetuneSchedule).momentum(0.9).nesterov(true).weightDecay(weightDecay).l1(l1).l2(l2).seed(seed).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException((recipeFile != null ? "recipe field 'finetune': " : "") + e.getMessage());
        }
    }

    /**
     * Fine-tuning restarts at the rate the model's own recipe trains at when that recipe is SGD, as
     * fine-tuning is (learning-rate rewinding, Renda et al. 2020): on lenet-300-100, gradual pruning
     * to 90% lost 0.38 points at 0.01 and 0.15 at 0.05 (mean of 3 seeds, README). Models trained with
     * another optimizer (vit-tiny: AdamW) keep 0.01.
     */
    static double defaultLr(String model) {
        TrainConfig own = TrainConfig.defaults(model);
        return own.optimizer() == jprune.nn.train.OptimizerKind.SGD ? own.lr() : 0.01;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Options a recipe may not be combined with (they are the recipe's fields). */
    static final List<String> RECIPE_FIELDS_AS_FLAGS = List.of("--from", "--model", "--sparsity", "--criterion", "--granularity", "--scope",
            "--schedule", "--finetune-epochs", "--lr", "--l1", "--l2", "--keep", "--override", "--max-layer-sparsity", "--seed");

    /** Fills the options from a recipe file, validating each field by name. */
    @SuppressWarnings("unchecked")
    void applyRecipe() throws java.io.IOException {
        for (String flag : RECIPE_FIELDS_AS_FLAGS) {
            if (spec.commandLine().getParseResult().hasMatchedOption(flag))
                throw new UsageException(flag + " cannot be combined with --recipe; put it in the recipe instead");
        }
        if (!Files.isRegularFile(recipeFile)) throw new UsageException("--recipe: no such file " + recipeFile);
        Map<String, Object> r;
        try {
            r = Json.parseObject(Files.readString(recipeFile));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--recipe " + recipeFile + ": " + e.getMessage());
        }
        List<String> known = List.of("from", "model", "model_config", "sparsity", "criterion", "granularity", "scope", "schedule", "agp", "finetune",
                "regularization", "keep", "overrides", "max_layer_sparsity", "seed");
        for (String k : r.keySet()) if (!known.contains(k)) throw new UsageException("recipe field '" + k + "' is unknown; allowed: " + known);
        source = new DenseSource();
        if (r.containsKey("from") == r.containsKey("model")) throw new UsageException("recipe must name exactly one of 'from' (a run directory) and 'model' (a model to train)");
        if (r.containsKey("from")) source.from = Path.of(recipeString(r, "", "from"));
        else source.model = recipeString(r, "", "model");
        if (r.containsKey("sparsity")) sparsityOption = recipeNumber(r, "", "sparsity", "a number in [0, 1)");
        if (r.containsKey("criterion")) criterion = recipeString(r, "", "criterion");
        if (r.containsKey("granularity")) granularity = recipeString(r, "", "granularity");
        if (r.containsKey("scope")) scope = recipeString(r, "", "scope");
        if (r.containsKey("schedule")) schedule = recipeString(r, "", "schedule");
        if (r.containsKey("max_layer_sparsity")) maxLayerSparsity = recipeNumber(r, "", "max_layer_sparsity", "a number in (0, 1]");
        if (r.containsKey("seed")) seed = (long) recipeNumber(r, "", "seed", "an integer");
        if (r.containsKey("keep")) keep = recipeStrings(r, "", "keep");
        if (r.containsKey("overrides")) overrides = recipeStrings(r, "", "overrides");
        if (r.get("finetune") instanceof Map<?, ?> ft) {
            Map<String, Object> f = (Map<String, Object>) ft;
            List<String> allowed = List.of("epochs", "lr", "optimizer", "schedule", "batch", "weight_decay");
            for (String k : f.keySet())
                if (!allowed.contains(k)) throw new UsageException("recipe field 'finetune." + k + "' is unknown; allowed: " + allowed);
            if (f.containsKey("epochs")) finetuneEpochs = recipeInt(f, "finetune.", "epochs", "an integer >= 0");
            if (f.containsKey("lr")) lrOption = recipeNumber(f, "finetune.", "lr", "a number > 0");
            if (f.containsKey("optimizer")) finetuneOptimizer = recipeString(f, "finetune.", "optimizer");
            if (f.containsKey("schedule")) finetuneSchedule = recipeString(f, "finetune.", "schedule");
            if (f.containsKey("batch")) finetuneBatch = recipeInt(f, "finetune.", "batch", "an integer >= 1");
            if (f.containsKey("weight_decay")) weightDecay = recipeNumber(f, "finetune.", "weight_decay", "a number >= 0");
        } else if (r.containsKey("finetune")) {
            throw new UsageException("recipe field 'finetune' must be an object with keys among epochs, lr, optimizer, schedule, batch, weight_decay");
        }
        if (r.get("regularization") instanceof Map<?, ?> reg) {
            Map<String, Object> g = (Map<String, Object>) reg;
            for (String k : g.keySet())
                if (!List.of("l1", "l2").contains(k)) throw new UsageException("recipe field 'regularization." + k + "' is unknown; allowed: [l1, l2]");
            if (g.containsKey("l1")) l1 = recipeNumber(g, "regularization.", "l1", "a number >= 0");
            if (g.containsKey("l2")) l2 = recipeNumber(g, "regularization.", "l2", "a number >= 0");
        } else if (r.containsKey("regularization")) {
            throw new UsageException("recipe field 'regularization' must be an object with keys l1 and/or l2");
        }
    }

    private static int recipeInt(Map<String, Object> r, String prefix, String key, String allowed) {
        double v = recipeNumber(r, prefix, key, allowed);
        if (v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE) throw new UsageException("recipe field '" + prefix + key + "' must be " + allowed + ", got " + r.get(key));
        return (int) v;
    }

    private static String recipeString(Map<String, Object> r, String prefix, String key) {
        if (r.get(key) instanceof String s) return s;
        throw new UsageException("recipe field '" + prefix + key + "' must be a string, got " + r.get(key));
    }

    private static double recipeNumber(Map<String, Object> r, String prefix, String key, String allowed) {
        if (r.get(key) instanceof Number n) return n.doubleValue();
        throw new UsageException("recipe field '" + prefix + key + "' must be " + allowed + ", got " + r.get(key));
    }

    private static List<String> recipeStrings(Map<String, Object> r, String prefix, String key) {
        if (r.get(key) instanceof List<?> l && l.stream().allMatch(o -> o instanceof String)) return new ArrayList<>((List<String>) (List<?>) l);
        throw new UsageException("recipe field '" + prefix + key + "' must be a list of strings, got " + r.get(key));
    }

    private static List<Object> channelCounts(Module model) {
        List<Object> out = new ArrayList<>();
        for (var node : jprune.prune.ChannelGraph.of(model).prunable()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", node.name());
            e.put("before", node.outChannels());
            e.put("after", jprune.prune.ChannelGraph.keptCount(node));
            out.add(e);
        }
        return out;
    }

    boolean isChannels() {
        return Granularity.CHANNEL_NAMES.contains(granularity);
    }

    /** The granularity, settling --sparsity against it (N:M implies its own). */
    Pruner pruner() {
        Granularity g;
        try {
            g = Granularity.parse(granularity);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + e.getMessage());
        }
        if (g.impliedSparsity().isPresent()) {
            double implied = g.impliedSparsity().getAsDouble();
            if (sparsityOption != null && Math.abs(sparsityOption - implied) > 1e-9)
                throw new UsageException("--sparsity " + sparsityOption + " contradicts --granularity " + granularity + ", which implies " + implied + "; omit --sparsity");
            sparsity = implied;
        } else {
            if (sparsityOption == null) throw new UsageException("--sparsity is required for " + granularity + " pruning");
            sparsity = sparsityOption;
        }
        // Channels swap in their pruner once the model is loaded.
        return g.isChannels() ? Pruner.UNSTRUCTURED : g.pruner(null);
    }

    PruneSpec spec() {
        try {
            List<PruneSpec.Override> ov = new ArrayList<>();
            for (String o : overrides) {
                int eq = o.lastIndexOf('=');
                if (eq <= 0) throw new UsageException("--override must be REGEX=SPARSITY, got '" + o + "'");
                ov.add(new PruneSpec.Override(Pattern.compile(o.substring(0, eq)), Double.parseDouble(o.substring(eq + 1))));
            }
            List<Pattern> kp = new ArrayList<>();
            for (String k : keep) kp.add(Pattern.compile(k));
            return new PruneSpec(sparsity, Scope.parse(scope), ov, kp, maxLayerSparsity);
        } catch (PatternSyntaxException e) {
            throw new UsageException("invalid regular expression: " + e.getDescription() + " in '" + e.getPattern() + "'");
        } catch (NumberFormatException e) {
            throw new UsageException("--override sparsity is not a number: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    SparsitySchedule schedule() {
        try {
            return SparsitySchedule.parse(schedule);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + e.getMessage());
        }
    }

    static Criterion criterionFor(String name, long seed) {
        try {
            return Criteria.byName(name, seed);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + e.getMessage());
        }
    }

    Map<String, Object> recipe(ModelConfig config, SparsitySchedule sched) {
        Map<String, Object> r = new LinkedHashMap<>();
        if (source.from != null) r.put("from", source.from.toString());
        else r.put("model", source.model);
        r.put("model_config", config.toMap());
        r.put("sparsity", sparsity);
        r.put("criterion", criterion);
        r.put("granularity", granularity);
        r.put("scope", scope);
        r.put("schedule", schedule);
        if (sched instanceof SparsitySchedule.Gradual g) {
            r.put("agp", Map.of("initial_sparsity", g.initialSparsity(), "start_step", g.startStep(), "prune_steps", g.pruneSteps(), "frequency", g.frequency()));
        }
        r.put("keep", keep);
        r.put("overrides", overrides);
        r.put("max_layer_sparsity", maxLayerSparsity);
        Map<String, Object> ft = new LinkedHashMap<>();
        ft.put("epochs", finetuneEpochs);
        ft.put("lr", lr);
        ft.put("optimizer", finetuneOptimizer);
        ft.put("schedule", finetuneSchedule);
        ft.put("batch", finetuneBatch);
        ft.put("weight_decay", weightDecay);
        r.put("finetune", ft);
        Map<String, Object> reg = new LinkedHashMap<>();
        reg.put("l1", l1);
        reg.put("l2", l2);
        r.put("regularization", reg);
        r.put("seed", seed);
        return r;
    }
}
