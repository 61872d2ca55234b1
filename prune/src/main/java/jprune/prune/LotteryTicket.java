package jprune.prune;

import java.util.LinkedHashMap;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.data.DataSplit;
import jprune.nn.models.ModelConfig;
import jprune.nn.train.EarlyStopping;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import jprune.tensor.Tensor;

/**
 * Iterative magnitude pruning with rewinding (Frankle and Carbin's lottery tickets; Frankle et al.'s
 * rewinding to an early iteration). Each round prunes a fraction of the surviving weights by
 * magnitude on the trained weights (per layer, the output layer at its own rate, or globally: see
 * {@link LotteryRecipe}), resets the survivors to their values at the rewind point (initialisation,
 * or step k of the first training run), and trains again. Two controls per round train the same
 * architecture at the same density with the same recipe and budget: the ticket's mask on a fresh
 * draw from the same initialiser, and a random mask (each layer at the ticket's density) on the
 * rewind point. With a validation set, every run also reports the test accuracy at its iteration of
 * minimum validation loss (the paper's early-stopping measure); training always runs its full budget
 * and the next round prunes the weights at its end.
 */
public final class LotteryTicket {
    /** One training run's outcome: test accuracy at the end, and at the early-stopping iteration (NaN and -1 without a validation set). */
    public record Result(double testAccuracy, double earlyStopAccuracy, int earlyStopIteration) {}

    /** One round's figures; layerDensity is the ticket's fraction of weights left per prunable layer. */
    public record Round(int round, double density, Map<String, Double> layerDensity, Result ticket, Result reinit, Result randomMask, double seconds) {
        public double ticketAccuracy() {
            return ticket.testAccuracy();
        }

        public double reinitAccuracy() {
            return reinit.testAccuracy();
        }

        public double randomMaskAccuracy() {
            return randomMask.testAccuracy();
        }
    }

    /** Held-out validation images are drawn with this seed whatever the run's seed, so every run of every seed sees the same split. */
    static final long VALIDATION_SEED = 0x5EEDL;

    private final ModelConfig config;
    private final LotteryRecipe recipe;
    private final TrainConfig train;
    private final DataSplit trainData, validationData, testData;
    private final long seed;

    /** The earlier form: global magnitude at one rate, the model's initialisers, accuracy at the end of training. */
    public LotteryTicket(ModelConfig config, TrainConfig train, DataSplit trainData, DataSplit testData, long seed, int rewindStep, double rate) {
        this(config, new LotteryRecipe(train, Scope.GLOBAL, checkRate(rate), rate, jprune.nn.models.WeightInit.MODEL, rewindStep, 0, 100),
                trainData, testData, seed);
    }

    /** trainData is the whole training split; the recipe's validation images are held out of it. */
    public LotteryTicket(ModelConfig config, LotteryRecipe recipe, DataSplit trainData, DataSplit testData, long seed) {
        this.config = config;
        this.recipe = recipe;
        this.train = recipe.train();
        int held = recipe.validationFor(trainData.count());
        if (held > 0) {
            DataSplit.HeldOut parts = trainData.holdOut(held, VALIDATION_SEED);
            this.trainData = parts.rest();
            this.validationData = parts.heldOut();
        } else {
            this.trainData = trainData;
            this.validationData = null;
        }
        this.testData = testData;
        this.seed = seed;
    }

    private static double checkRate(double rate) {
        if (!(rate > 0 && rate < 1)) throw new IllegalArgumentException("pruning rate per round must be in (0, 1), got " + rate);
        return rate;
    }

    public LotteryRecipe recipe() {
        return recipe;
    }

    /** Images the runs train on (the training split less the validation images). */
    public int trainImages() {
        return trainData.count();
    }

    /** Validation images held out of the training split (0 without early stopping). */
    public int validationImages() {
        return validationData == null ? 0 : validationData.count();
    }

    /**
     * The training recipe of every run (dense, ticket, controls) when the user gives none: the
     * {@link LotteryRecipe#defaults} training (for lenet-300-100 the lottery-ticket paper's Adam at a
     * constant 1.2e-3, mini-batches of 60, no weight decay; other models their usual recipe).
     */
    public static TrainConfig defaultTraining(String model) {
        return LotteryRecipe.defaults(model).train();
    }

    /** The state a run carries between rounds: the rewind point, the last trained ticket, and the dense run's result (null when resumed without it). */
    public record State(Map<String, Tensor> rewind, Module ticket, Result dense) {
        public State(Map<String, Tensor> rewind, Module ticket) {
            this(rewind, ticket, null);
        }
    }

    /** Round 0: trains the dense network from its seed, capturing the rewind point. */
    public State start() {
        Module model = recipe.init().build(config, seed);
        Map<String, Tensor> init = snapshot(model);
        var rewind = new java.util.concurrent.atomic.AtomicReference<Map<String, Tensor>>(recipe.rewindStep() == 0 ? init : null);
        int rewindStep = recipe.rewindStep();
        Result dense = fit(model, t -> {
            if (rewindStep > 0) t.addStepHook((step, epoch) -> {
                if (step + 1 == rewindStep) rewind.set(snapshot(model));
            });
        });
        if (rewind.get() == null) throw new IllegalArgumentException("rewind step " + rewindStep + " is beyond the run's steps");
        return new State(rewind.get(), model, dense);
    }

    public double accuracy(Module m) {
        return Trainer.accuracy(m, testData, 256);
    }

    /**
     * Trains one network with the recipe (the same for the ticket and both controls): the full
     * budget, with the validation loss watched alongside when there is a validation set.
     */
    Result fit(Module model, java.util.function.Consumer<Trainer> extraHooks) {
        Trainer t = new Trainer(model, train, trainData, null, null);
        extraHooks.accept(t);
        EarlyStopping es = validationData == null ? null : EarlyStopping.onValidation(model, validationData, recipe.evalEvery());
        if (es != null) t.addStepHook(es);
        t.fit();
        double end = accuracy(model);
        if (es == null) return new Result(end, Double.NaN, -1);
        es.finish();
        return new Result(end, es.atBest(() -> accuracy(model)), es.bestIteration());
    }

    /** Round r ≥ 1: prune the previous ticket to the round's density, rewind, retrain; then the two controls. */
    public Round round(int r, State state) {
        long start = System.nanoTime();
        Module ticket = state.ticket();
        var weights = Prunable.weights(ticket);
        String outputLayer = weights.sequencedKeySet().getLast();
        Pruner.UNSTRUCTURED.prune(weights, new MagnitudeCriterion(false), recipe.spec(r, outputLayer));
        restore(ticket, state.rewind());
        Map<String, Double> layerDensity = new LinkedHashMap<>();
        weights.forEach((n, p) -> layerDensity.put(n, p.countUnmasked() / (double) p.numel()));
        Result ticketResult = fit(ticket, t -> {});

        Result reinit = fit(reinitControl(ticket, r), t -> {});
        Result randomMask = fit(randomMaskControl(ticket, state, r), t -> {});
        SparsityStats stats = SparsityStats.of(ticket);
        return new Round(r, stats.nonzero() / (double) stats.total(), layerDensity, ticketResult, reinit, randomMask, (System.nanoTime() - start) / 1e9);
    }

    /** The first control, before training: the ticket's masks on a fresh draw from the same initialiser (its own seed per round). */
    Module reinitControl(Module ticket, int r) {
        Module reinit = recipe.init().build(config, seed + 7919L * r);
        copyMasks(ticket, reinit);
        return reinit;
    }

    /** The second control, before training: the rewind point's weights under a random mask with each layer at the ticket's density. */
    Module randomMaskControl(Module ticket, State state, int r) {
        Module randomMask = recipe.init().build(config, seed);
        restore(randomMask, state.rewind());
        for (var e : Prunable.weights(ticket).entrySet()) {
            Parameter p = Prunable.weights(randomMask).get(e.getKey());
            double layerSparsity = 1.0 - (double) e.getValue().countUnmasked() / p.numel();
            Pruner.UNSTRUCTURED.prune(Map.of(e.getKey(), p), new RandomCriterion(seed + 104729L * r), PruneSpec.of(layerSparsity, Scope.LAYER));
        }
        return randomMask;
    }

    static Map<String, Tensor> snapshot(Module m) {
        Map<String, Tensor> s = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> s.put(k, v.copy()));
        return s;
    }

    /** Loads the rewind values (parameters and buffers) and re-applies the masks. */
    static void restore(Module m, Map<String, Tensor> values) {
        m.loadStateDict(values, k -> false);
        for (Parameter p : m.parameters()) p.applyMask();
    }

    private static void copyMasks(Module from, Module to) {
        var target = to.namedParameters();
        from.namedParameters().forEach((n, p) -> {
            if (p.hasMask()) target.get(n).setMask(p.mask().copy());
        });
    }
}
