package jprune.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import jprune.nn.Module;
import jprune.nn.data.DataSplit;
import jprune.nn.io.Json;
import jprune.nn.models.ModelConfig;
import jprune.nn.train.OptimizerKind;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.TrainingListener;

/**
 * Everything a pruning run needs, by name, as the {@code recipe.json} that {@code jprune prune}
 * writes (documented in the README). Validated on construction: a bad field throws
 * {@link RecipeException} naming it and what is allowed. {@link #run} prunes a model, fine-tunes it
 * and, for structured granularities (channels, heads, MLP neurons, blocks), compacts it.
 *
 * <pre>{@code
 * PruneRecipe recipe = PruneRecipe.builder().sparsity(0.9).schedule("agp").finetuneEpochs(12).build();
 * PruneRecipe.Result r = recipe.run(model, config, train, test, null);
 * }</pre>
 *
 * @param from              run directory the dense model came from, or null (only recorded)
 * @param model             reference model trained for the run, or null (only recorded; at most one of from and model)
 * @param sparsity          target fraction of zero weights in [0, 1); N:M granularities imply their own
 * @param criterion         one of {@link Criteria#NAMES}
 * @param granularity       unstructured, N:M, block:RxC, channels, heads, mlp-neurons, blocks or hidden (see {@link Granularity})
 * @param scope             layer or global
 * @param schedule          oneshot, iterative:R or agp
 * @param keep              regular expressions of parameters left dense
 * @param overrides         REGEX=SPARSITY per-layer targets
 * @param maxLayerSparsity  cap on any layer's sparsity, in (0, 1]
 * @param finetuneEpochs    fine-tuning epochs (per round for iterative)
 * @param finetuneLr        fine-tuning learning rate, or NaN for {@link #defaultLr the model's default}
 * @param finetuneOptimizer sgd or adamw, or null for the optimizer the model trains with
 * @param finetuneSchedule  none, cosine, step or exponential
 * @param finetuneBatch     fine-tuning batch size
 * @param finetuneWeightDecay weight decay during fine-tuning, or NaN for the default that goes with the optimizer
 * @param l1                L1 penalty during fine-tuning
 * @param l2                L2 penalty during fine-tuning
 * @param seed              seed of random scores and fine-tuning shuffles
 */
public record PruneRecipe(String from, String model, double sparsity, String criterion, String granularity, String scope, String schedule,
                          List<String> keep, List<String> overrides, double maxLayerSparsity,
                          int finetuneEpochs, double finetuneLr, String finetuneOptimizer, String finetuneSchedule, int finetuneBatch,
                          double finetuneWeightDecay, double l1, double l2, long seed) {

    /** The top-level keys a recipe file may hold ({@code model_config} and {@code agp} are written for the record and ignored on reading). */
    public static final List<String> FIELDS = List.of("from", "model", "model_config", "sparsity", "criterion", "granularity", "scope", "schedule",
            "agp", "finetune", "regularization", "keep", "overrides", "max_layer_sparsity", "seed");
    /** The keys of {@code finetune}. */
    public static final List<String> FINETUNE_FIELDS = List.of("epochs", "lr", "optimizer", "schedule", "batch", "weight_decay");

    /** Settles the sparsity against the granularity and checks every field; see {@link RecipeException}. */
    public PruneRecipe {
        if (from != null && model != null) throw new RecipeException("from", " and 'model' exclude each other: give at most one");
        if (criterion == null || !Criteria.NAMES.contains(criterion))
            throw new RecipeException("criterion", " must be one of " + Criteria.NAMES + ", got '" + criterion + "'");
        Granularity g = lookup("granularity", () -> Granularity.parse(granularity));
        lookup("criterion", () -> {
            Criteria.checkFits(criterion, g.structure());
            return null;
        });
        if (g.impliedSparsity().isPresent()) {
            double implied = g.impliedSparsity().getAsDouble();
            if (!Double.isNaN(sparsity) && Math.abs(sparsity - implied) > 1e-9)
                throw new RecipeException("sparsity", " " + sparsity + " contradicts granularity " + granularity + ", which implies " + implied + "; omit the sparsity");
            sparsity = implied;
        } else if (Double.isNaN(sparsity)) {
            throw new RecipeException("sparsity", " is required for " + granularity + " pruning");
        }
        if (!(sparsity >= 0 && sparsity < 1)) throw new RecipeException("sparsity", " must be in [0, 1), got " + sparsity);
        Scope sc = lookup("scope", () -> Scope.parse(scope));
        SparsitySchedule sched = lookup("schedule", () -> SparsitySchedule.parse(schedule));
        if (Criteria.needsGradualSchedule(criterion) && !(sched instanceof SparsitySchedule.Gradual))
            throw new RecipeException("criterion", " " + criterion + " scores weights during fine-tuning, so it needs schedule agp, got '" + schedule + "'");
        keep = List.copyOf(keep == null ? List.of() : keep);
        overrides = List.copyOf(overrides == null ? List.of() : overrides);
        if (!(maxLayerSparsity > 0 && maxLayerSparsity <= 1))
            throw new RecipeException("max_layer_sparsity", " must be in (0, 1], got " + maxLayerSparsity);
        buildSpec(sparsity, sc, keep, overrides, maxLayerSparsity);
        if (finetuneEpochs < 0) throw new RecipeException("finetune.epochs", " must be >= 0, got " + finetuneEpochs);
        if (sched instanceof SparsitySchedule.Gradual && finetuneEpochs < 1)
            throw new RecipeException("finetune.epochs", " must be >= 1 with schedule agp (it prunes during fine-tuning), got " + finetuneEpochs);
        if (!Double.isNaN(finetuneLr) && !(finetuneLr > 0 && finetuneLr < Double.POSITIVE_INFINITY))
            throw new RecipeException("finetune.lr", " must be a number > 0, got " + finetuneLr);
        // The rest (optimizer, schedule, batch, penalties) is the training configuration's to check;
        // a stand-in rate is enough, since the real default depends on the model.
        finetuneConfig(finetuneEpochs, Double.isNaN(finetuneLr) ? 0.01 : finetuneLr, finetuneOptimizer == null ? "sgd" : finetuneOptimizer,
                finetuneSchedule, finetuneBatch, Double.isNaN(finetuneWeightDecay) ? 0 : finetuneWeightDecay, l1, l2, seed);
    }

    private interface Lookup<T> {
        T get();
    }

    /** Runs a by-name lookup, turning its message ("scope must be ...") into one about the field. */
    private static <T> T lookup(String field, Lookup<T> lookup) {
        try {
            return lookup.get();
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new RecipeException(field, m.startsWith(field) ? m.substring(field.length()) : ": " + m);
        }
    }

    private static PruneSpec buildSpec(double sparsity, Scope scope, List<String> keep, List<String> overrides, double maxLayerSparsity) {
        List<PruneSpec.Override> ov = new ArrayList<>();
        for (String o : overrides) {
            int eq = o == null ? -1 : o.lastIndexOf('=');
            if (eq <= 0) throw new RecipeException("overrides", " must be REGEX=SPARSITY, got '" + o + "'");
            double s;
            try {
                s = Double.parseDouble(o.substring(eq + 1));
            } catch (NumberFormatException e) {
                throw new RecipeException("overrides", ": sparsity is not a number in '" + o + "'");
            }
            Pattern p = pattern("overrides", o.substring(0, eq));
            try {
                ov.add(new PruneSpec.Override(p, s));
            } catch (IllegalArgumentException e) {
                throw new RecipeException("overrides", ": " + e.getMessage());
            }
        }
        List<Pattern> kp = new ArrayList<>();
        for (String k : keep) kp.add(pattern("keep", k));
        return new PruneSpec(sparsity, scope, ov, kp, maxLayerSparsity);
    }

    private static Pattern pattern(String field, String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException | NullPointerException e) {
            String why = e instanceof PatternSyntaxException p ? p.getDescription() : "null";
            throw new RecipeException(field, ": invalid regular expression: " + why + " in '" + regex + "'");
        }
    }

    private static TrainConfig finetuneConfig(int epochs, double lr, String optimizer, String schedule, int batch, double weightDecay,
                                              double l1, double l2, long seed) {
        try {
            return TrainConfig.builder().epochs(epochs).batchSize(batch).lr(lr).optimizer(optimizer).schedule(schedule).momentum(0.9)
                    .nesterov(true).weightDecay(weightDecay).l1(l1).l2(l2).seed(seed).build();
        } catch (IllegalArgumentException e) {
            throw new RecipeException("finetune", ": " + e.getMessage());
        }
    }

    /** A builder with the command line's defaults: magnitude, unstructured, global, agp, 12 epochs of SGD fine-tuning. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this recipe. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.from = from;
        b.model = model;
        b.sparsity = sparsity;
        b.criterion = criterion;
        b.granularity = granularity;
        b.scope = scope;
        b.schedule = schedule;
        b.keep = new ArrayList<>(keep);
        b.overrides = new ArrayList<>(overrides);
        b.maxLayerSparsity = maxLayerSparsity;
        b.finetuneEpochs = finetuneEpochs;
        b.finetuneLr = finetuneLr;
        b.finetuneOptimizer = finetuneOptimizer;
        b.finetuneSchedule = finetuneSchedule;
        b.finetuneBatch = finetuneBatch;
        b.finetuneWeightDecay = finetuneWeightDecay;
        b.l1 = l1;
        b.l2 = l2;
        b.seed = seed;
        return b;
    }

    /** The criterion, fresh (criteria keep scores between steps). */
    public Criterion newCriterion() {
        Structure s = parsedGranularity().structure();
        return s == null ? Criteria.byName(criterion, seed) : Criteria.forStructure(criterion, s, seed);
    }

    /** The granularity this recipe names. */
    public Granularity parsedGranularity() {
        return Granularity.parse(granularity);
    }

    /** Sparsity, scope, overrides, kept layers and cap, as the pruners take them. */
    public PruneSpec spec() {
        return buildSpec(sparsity, Scope.parse(scope), keep, overrides, maxLayerSparsity);
    }

    /**
     * Fine-tuning restarts at the rate the model's own recipe trains at when that recipe is SGD, as
     * fine-tuning is (learning-rate rewinding, Renda et al. 2020): on lenet-300-100, gradual pruning
     * to 90% lost 0.38 points at 0.01 and 0.15 at 0.05 (mean of 3 seeds, README). Models trained with
     * AdamW (vit-tiny) fine-tune with AdamW at a quarter of their training rate (5e-4 for vit-tiny,
     * the rate of the README's structured stages); SGD chosen for them starts at 0.01.
     */
    public static double defaultLr(String modelName) {
        TrainConfig own = TrainConfig.defaults(modelName);
        return own.optimizer() == OptimizerKind.SGD ? own.lr() : own.lr() / 4;
    }

    /**
     * The fine-tuning configuration for this model: fields left unset follow the model's own
     * training recipe (its optimizer; the rate of {@link #defaultLr}; AdamW's weight decay, or 1e-4
     * with SGD), so an AdamW-trained transformer is not fine-tuned with SGD by default.
     */
    public TrainConfig finetuneConfig(String modelName) {
        TrainConfig own = TrainConfig.defaults(modelName);
        String optimizer = finetuneOptimizer != null ? finetuneOptimizer : own.optimizer().id();
        boolean ownOptimizer = optimizer.equals(own.optimizer().id());
        double lr = !Double.isNaN(finetuneLr) ? finetuneLr : ownOptimizer ? defaultLr(modelName) : 0.01;
        double wd = !Double.isNaN(finetuneWeightDecay) ? finetuneWeightDecay
                : ownOptimizer && own.optimizer() == OptimizerKind.ADAMW ? own.weightDecay() : 1e-4;
        return finetuneConfig(finetuneEpochs, lr, optimizer, finetuneSchedule, finetuneBatch, wd, l1, l2, seed);
    }

    /** The schedule; the gradual one spans the first half of fine-tuning ({@link PruneRun#defaultGradual}). */
    public SparsitySchedule sparsitySchedule(TrainConfig finetune, int trainCount) {
        SparsitySchedule s = SparsitySchedule.parse(schedule);
        return s instanceof SparsitySchedule.Gradual ? PruneRun.defaultGradual(finetune, trainCount) : s;
    }

    /**
     * A layer's count of groups before and after structured pruning: channels by the name of the layer
     * producing them, heads by attention layer ("blocks.0.attn"), MLP neurons by MLP ("blocks.0.mlp"),
     * blocks as one layer "blocks"; removed lists the indices that went (in the layer before compaction).
     */
    public record GroupCount(String name, int before, int after, List<Integer> removed) {
        public GroupCount {
            removed = List.copyOf(removed);
        }
    }

    /**
     * What {@link #run} did.
     *
     * @param model     the pruned model: the one passed in, masked, or for structured pruning a new, compacted one
     * @param config    its configuration (changed by compaction)
     * @param rounds    figures per round (per fine-tuning epoch for agp)
     * @param stats     sparsity of the prunable weights after pruning, before any compaction
     * @param groups    group counts per layer for structured pruning (channels, heads, MLP neurons, blocks), else empty
     * @param schedule  the schedule as run (agp with its steps)
     * @param finetune  the fine-tuning configuration as run
     * @param recipe    the recipe that was run
     */
    public record Result(Module model, ModelConfig config, List<PruneRun.Round> rounds, SparsityStats stats, List<GroupCount> groups,
                         SparsitySchedule schedule, TrainConfig finetune, PruneRecipe recipe) {
        /** Whether the model was physically compacted. */
        public boolean compacted() {
            return !groups.isEmpty();
        }

        /** The recipe as run, for recipe.json: with the model's configuration, the agp steps and the rate used. */
        public Map<String, Object> recipeJson() {
            return recipe.toMap(config.toMap(), schedule, finetune);
        }
    }

    /**
     * Prunes {@code model} in place on the schedule, fine-tuning on {@code train} (calibrating the
     * criterion on it too) and evaluating on {@code test}; structured pruning then compacts it into a
     * smaller model. {@code config} is the model's configuration (its name picks the default
     * fine-tuning rate; compaction rewrites it). {@code listener} may be null.
     */
    public Result run(Module model, ModelConfig config, DataSplit train, DataSplit test, TrainingListener listener) {
        if (model == null || config == null || train == null || test == null)
            throw new IllegalArgumentException("model, config, train and test must not be null");
        jprune.nn.models.Models.requireBuiltBy(config, model);   // compaction and the result's config rewrite config
        TrainConfig finetune = finetuneConfig(config.name());
        SparsitySchedule sched = sparsitySchedule(finetune, train.count());
        Granularity g = parsedGranularity();
        Pruner pruner = checkApplicable(model);
        List<PruneRun.Round> rounds = new PruneRun(model, pruner, newCriterion(), spec(), sched, finetune, train, test).run(listener);
        SparsityStats stats = SparsityStats.of(model);
        List<GroupCount> groups = new ArrayList<>();
        Module out = model;
        ModelConfig outConfig = config;
        if (g.isStructured()) {
            Map<String, jprune.nn.Parameter> params = model.namedParameters();
            for (GroupLayer layer : ModelGroups.of(model, g.structure())) {
                float[] kept = GroupPruner.keptMask(layer, params);
                List<Integer> removed = new ArrayList<>();
                for (int i = 0; i < kept.length; i++) if (kept[i] == 0f) removed.add(i);
                String name = g.structure() == Structure.CHANNELS ? layer.name().substring(0, layer.name().length() - ".weight".length()) : layer.name();
                groups.add(new GroupCount(name, layer.size(), layer.size() - removed.size(), removed));
            }
            // Physically remove the masked groups: a smaller dense model computing the same outputs.
            Compactor.Result small = Compactor.compact(model, config);
            out = small.model();
            outConfig = small.config();
        }
        return new Result(out, outConfig, rounds, stats, List.copyOf(groups), sched, finetune, this);
    }

    /**
     * Checks that this model has what the granularity removes and that the sparsity leaves every
     * layer one group (one head, neuron, channel, block); returns the pruner. Cheap: callers that
     * would train a model first check a freshly built one.
     */
    public Pruner checkApplicable(Module model) {
        Pruner pruner;
        try {
            pruner = parsedGranularity().pruner(model);
        } catch (IllegalArgumentException e) {
            throw new RecipeException("granularity", " " + granularity + ": " + e.getMessage());
        }
        if (pruner instanceof GroupPruner gp) {
            try {
                gp.checkReachable(spec());
            } catch (IllegalArgumentException e) {
                throw new RecipeException("sparsity", ": " + e.getMessage());
            }
        }
        // A pattern that names no layer would be ignored without a word (a typo keeps nothing dense).
        Granularity g = parsedGranularity();
        Set<String> names = new TreeSet<>();
        if (g.isStructured()) for (GroupLayer layer : ModelGroups.of(model, g.structure())) names.add(layer.name());
        else names.addAll(Prunable.weights(model).keySet());
        for (String k : keep) requireMatch("keep", k, names);
        for (String o : overrides) requireMatch("overrides", o.substring(0, o.lastIndexOf('=')), names);
        return pruner;
    }

    private static void requireMatch(String field, String regex, Set<String> names) {
        Pattern p = Pattern.compile(regex);
        if (names.stream().noneMatch(n -> p.matcher(n).matches()))
            throw new RecipeException(field, ": '" + regex + "' matches none of the layers it applies to: " + String.join(", ", names));
    }

    /** The recipe as JSON fields, as given (no model configuration or agp steps; the rate only if set). */
    public Map<String, Object> toMap() {
        return toMap(null, null, null);
    }

    /** The recipe as JSON text, as given. */
    public String toJson() {
        return Json.write(toMap(), true);
    }

    /** The recipe's fields; with a fine-tuning configuration as run, its rate, optimizer and weight decay replace unset ones. */
    private Map<String, Object> toMap(Map<String, Object> modelConfig, SparsitySchedule resolved, TrainConfig finetune) {
        Map<String, Object> r = new LinkedHashMap<>();
        if (from != null) r.put("from", from);
        if (model != null) r.put("model", model);
        if (modelConfig != null) r.put("model_config", modelConfig);
        r.put("sparsity", sparsity);
        r.put("criterion", criterion);
        r.put("granularity", granularity);
        r.put("scope", scope);
        r.put("schedule", schedule);
        if (resolved instanceof SparsitySchedule.Gradual g) {
            // A fixed key order (Map.of's varies between JVM runs), so the same run writes the same file.
            Map<String, Object> agp = new LinkedHashMap<>();
            agp.put("initial_sparsity", g.initialSparsity());
            agp.put("start_step", g.startStep());
            agp.put("prune_steps", g.pruneSteps());
            agp.put("frequency", g.frequency());
            r.put("agp", agp);
        }
        r.put("keep", keep);
        r.put("overrides", overrides);
        r.put("max_layer_sparsity", maxLayerSparsity);
        Map<String, Object> ft = new LinkedHashMap<>();
        ft.put("epochs", finetuneEpochs);
        double lr = finetune != null ? finetune.lr() : finetuneLr;
        String optimizer = finetune != null ? finetune.optimizer().id() : finetuneOptimizer;
        double wd = finetune != null ? finetune.weightDecay() : finetuneWeightDecay;
        if (!Double.isNaN(lr)) ft.put("lr", lr);
        if (optimizer != null) ft.put("optimizer", optimizer);
        ft.put("schedule", finetuneSchedule);
        ft.put("batch", finetuneBatch);
        if (!Double.isNaN(wd)) ft.put("weight_decay", wd);
        r.put("finetune", ft);
        Map<String, Object> reg = new LinkedHashMap<>();
        reg.put("l1", l1);
        reg.put("l2", l2);
        r.put("regularization", reg);
        r.put("seed", seed);
        return r;
    }

    /**
     * Reads a recipe file's text. Fields left out take the builder's defaults; a recipe must name
     * exactly one of {@code from} (a run directory) and {@code model} when {@code requireSource}.
     * Invalid JSON throws IllegalArgumentException; a bad field, {@link RecipeException}.
     */
    public static PruneRecipe fromJson(String text, boolean requireSource) {
        return fromMap(Json.parseObject(text), requireSource);
    }

    /** As {@link #fromJson}, from parsed JSON. */
    @SuppressWarnings("unchecked")
    public static PruneRecipe fromMap(Map<String, Object> r, boolean requireSource) {
        for (String k : r.keySet()) if (!FIELDS.contains(k)) throw new RecipeException(k, " is unknown; allowed: " + FIELDS);
        if (requireSource && r.containsKey("from") == r.containsKey("model"))
            throw new RecipeException("from", " and 'model': the recipe must name exactly one of 'from' (a run directory) and 'model' (a model to train)");
        Builder b = builder();
        if (r.containsKey("from")) b.from(string(r, "", "from"));
        if (r.containsKey("model")) b.model(string(r, "", "model"));
        if (r.containsKey("sparsity")) b.sparsity(number(r, "", "sparsity", "a number in [0, 1)"));
        if (r.containsKey("criterion")) b.criterion(string(r, "", "criterion"));
        if (r.containsKey("granularity")) b.granularity(string(r, "", "granularity"));
        if (r.containsKey("scope")) b.scope(string(r, "", "scope"));
        if (r.containsKey("schedule")) b.schedule(string(r, "", "schedule"));
        if (r.containsKey("max_layer_sparsity")) b.maxLayerSparsity(number(r, "", "max_layer_sparsity", "a number in (0, 1]"));
        if (r.containsKey("seed")) b.seed((long) number(r, "", "seed", "an integer"));
        if (r.containsKey("keep")) b.keep(strings(r, "", "keep"));
        if (r.containsKey("overrides")) b.overrides(strings(r, "", "overrides"));
        if (r.get("finetune") instanceof Map<?, ?> ft) {
            Map<String, Object> f = (Map<String, Object>) ft;
            for (String k : f.keySet())
                if (!FINETUNE_FIELDS.contains(k)) throw new RecipeException("finetune." + k, " is unknown; allowed: " + FINETUNE_FIELDS);
            if (f.containsKey("epochs")) b.finetuneEpochs(integer(f, "finetune.", "epochs", "an integer >= 0"));
            if (f.containsKey("lr")) b.finetuneLr(number(f, "finetune.", "lr", "a number > 0"));
            if (f.containsKey("optimizer")) b.finetuneOptimizer(string(f, "finetune.", "optimizer"));
            if (f.containsKey("schedule")) b.finetuneSchedule(string(f, "finetune.", "schedule"));
            if (f.containsKey("batch")) b.finetuneBatch(integer(f, "finetune.", "batch", "an integer >= 1"));
            if (f.containsKey("weight_decay")) b.finetuneWeightDecay(number(f, "finetune.", "weight_decay", "a number >= 0"));
        } else if (r.containsKey("finetune")) {
            throw new RecipeException("finetune", " must be an object with keys among " + FINETUNE_FIELDS);
        }
        if (r.get("regularization") instanceof Map<?, ?> reg) {
            Map<String, Object> g = (Map<String, Object>) reg;
            for (String k : g.keySet())
                if (!List.of("l1", "l2").contains(k)) throw new RecipeException("regularization." + k, " is unknown; allowed: [l1, l2]");
            if (g.containsKey("l1")) b.l1(number(g, "regularization.", "l1", "a number >= 0"));
            if (g.containsKey("l2")) b.l2(number(g, "regularization.", "l2", "a number >= 0"));
        } else if (r.containsKey("regularization")) {
            throw new RecipeException("regularization", " must be an object with keys l1 and/or l2");
        }
        return b.build();
    }

    private static int integer(Map<String, Object> r, String prefix, String key, String allowed) {
        double v = number(r, prefix, key, allowed);
        if (v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE) throw new RecipeException(prefix + key, " must be " + allowed + ", got " + r.get(key));
        return (int) v;
    }

    private static String string(Map<String, Object> r, String prefix, String key) {
        if (r.get(key) instanceof String s) return s;
        throw new RecipeException(prefix + key, " must be a string, got " + r.get(key));
    }

    private static double number(Map<String, Object> r, String prefix, String key, String allowed) {
        Object v = r.get(key);
        if (v instanceof Number n) return n.doubleValue();
        throw new RecipeException(prefix + key, " must be " + allowed + ", got " + (v instanceof String str ? "the string \"" + str + "\"" : v));
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Map<String, Object> r, String prefix, String key) {
        if (r.get(key) instanceof List<?> l && l.stream().allMatch(o -> o instanceof String)) return new ArrayList<>((List<String>) l);
        throw new RecipeException(prefix + key, " must be a list of strings, got " + r.get(key));
    }

    /** Collects a {@link PruneRecipe} field by field; {@link #build()} validates it. */
    public static final class Builder {
        private String from;
        private String model;
        private double sparsity = Double.NaN;
        private String criterion = "magnitude";
        private String granularity = "unstructured";
        private String scope = "global";
        private String schedule = "agp";
        private List<String> keep = new ArrayList<>();
        private List<String> overrides = new ArrayList<>();
        private double maxLayerSparsity = 1.0;
        private int finetuneEpochs = 12;
        private double finetuneLr = Double.NaN;
        private String finetuneOptimizer;
        private String finetuneSchedule = "cosine";
        private int finetuneBatch = 128;
        private double finetuneWeightDecay = Double.NaN;
        private double l1;
        private double l2;
        private long seed;

        private Builder() {}

        /** The run directory the dense model came from (recorded in recipe.json). */
        public Builder from(String v) { from = v; return this; }
        /** The reference model trained for the run (recorded in recipe.json). */
        public Builder model(String v) { model = v; return this; }
        /** Target sparsity; NaN (the default) lets an N:M granularity imply it. */
        public Builder sparsity(double v) { sparsity = v; return this; }
        public Builder criterion(String v) { criterion = v; return this; }
        public Builder granularity(String v) { granularity = v; return this; }
        public Builder scope(String v) { scope = v; return this; }
        public Builder schedule(String v) { schedule = v; return this; }
        /** Layer patterns left dense; null or empty: none. */
        public Builder keep(List<String> v) { keep = v == null ? new ArrayList<>() : new ArrayList<>(v); return this; }
        /** PATTERN=SPARSITY overrides; null or empty: none. */
        public Builder overrides(List<String> v) { overrides = v == null ? new ArrayList<>() : new ArrayList<>(v); return this; }
        public Builder maxLayerSparsity(double v) { maxLayerSparsity = v; return this; }
        public Builder finetuneEpochs(int v) { finetuneEpochs = v; return this; }
        /** Fine-tuning rate; NaN (the default) takes {@link PruneRecipe#defaultLr the model's}. */
        public Builder finetuneLr(double v) { finetuneLr = v; return this; }
        public Builder finetuneOptimizer(String v) { finetuneOptimizer = v; return this; }
        public Builder finetuneSchedule(String v) { finetuneSchedule = v; return this; }
        public Builder finetuneBatch(int v) { finetuneBatch = v; return this; }
        public Builder finetuneWeightDecay(double v) { finetuneWeightDecay = v; return this; }
        public Builder l1(double v) { l1 = v; return this; }
        public Builder l2(double v) { l2 = v; return this; }
        public Builder seed(long v) { seed = v; return this; }

        /** The recipe; throws {@link RecipeException} naming the first invalid field. */
        public PruneRecipe build() {
            return new PruneRecipe(from, model, sparsity, criterion, granularity, scope, schedule, keep, overrides, maxLayerSparsity,
                    finetuneEpochs, finetuneLr, finetuneOptimizer, finetuneSchedule, finetuneBatch, finetuneWeightDecay, l1, l2, seed);
        }
    }
}
