package jprune.prune;

import java.util.LinkedHashMap;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.data.DataSplit;
import jprune.nn.models.ModelConfig;
import jprune.nn.models.Models;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import jprune.tensor.Tensor;

/**
 * Iterative magnitude pruning with rewinding (Frankle and Carbin's lottery tickets; Frankle et al.'s
 * rewinding to an early iteration). Each round prunes a fraction of the surviving weights (global
 * magnitude on the trained weights), resets the survivors to their values at the rewind point
 * (initialisation, or step k of the first training run), and trains again. Two controls per round
 * train the same architecture at the same density: the ticket's mask with a fresh random
 * initialisation, and a random mask (each layer at the ticket's density) from the original initialisation.
 */
public final class LotteryTicket {
    /** One round's figures. */
    public record Round(int round, double density, double ticketAccuracy, double reinitAccuracy, double randomMaskAccuracy, double seconds) {}

    private final ModelConfig config;
    private final TrainConfig train;
    private final DataSplit trainData, testData;
    private final long seed;
    private final int rewindStep;
    private final double rate;

    /** rewindStep 0 rewinds to initialisation; k > 0 to the weights after k optimizer steps of the first run. */
    public LotteryTicket(ModelConfig config, TrainConfig train, DataSplit trainData, DataSplit testData, long seed, int rewindStep, double rate) {
        if (!(rate > 0 && rate < 1)) throw new IllegalArgumentException("pruning rate per round must be in (0, 1), got " + rate);
        if (rewindStep < 0) throw new IllegalArgumentException("rewind step must be >= 0, got " + rewindStep);
        this.config = config;
        this.train = train;
        this.trainData = trainData;
        this.testData = testData;
        this.seed = seed;
        this.rewindStep = rewindStep;
        this.rate = rate;
    }

    /**
     * The training recipe of every run (dense, ticket, controls) when the user gives none. For
     * lenet-300-100 it is the lottery-ticket paper's (Frankle and Carbin 2019): Adam at a constant
     * 1.2e-3, mini-batches of 60, no weight decay; other models train with their usual recipe.
     */
    public static TrainConfig defaultTraining(String model) {
        if (model.equals("lenet-300-100")) return TrainConfig.builder().epochs(10).batchSize(60).lr(1.2e-3).optimizer(jprune.nn.train.OptimizerKind.ADAMW)
                .schedule(jprune.nn.train.LrScheduleKind.NONE).nesterov(false).weightDecay(0).build();
        return TrainConfig.defaults(model);
    }

    /** The state a run carries between rounds: the rewind point and the last trained ticket. */
    public record State(Map<String, Tensor> rewind, Module ticket) {}

    /** Round 0: trains the dense network from its seed, capturing the rewind point. */
    public State start() {
        Module model = Models.build(config, seed);
        Map<String, Tensor> init = snapshot(model);
        var rewind = new java.util.concurrent.atomic.AtomicReference<Map<String, Tensor>>(rewindStep == 0 ? init : null);
        Trainer t = new Trainer(model, train, trainData, testData, null);
        if (rewindStep > 0) t.addStepHook((step, epoch) -> {
            if (step + 1 == rewindStep) rewind.set(snapshot(model));
        });
        t.fit();
        if (rewind.get() == null) throw new IllegalArgumentException("rewind step " + rewindStep + " is beyond the run's steps");
        return new State(rewind.get(), model);
    }

    public double accuracy(Module m) {
        return Trainer.accuracy(m, testData, 256);
    }

    /** Round r ≥ 1: prune the previous ticket to density (1 − rate)^r, rewind, retrain; then the two controls. */
    public Round round(int r, State state) {
        long start = System.nanoTime();
        double density = Math.pow(1 - rate, r);
        Module ticket = state.ticket();
        Pruner.UNSTRUCTURED.prune(Prunable.weights(ticket), new MagnitudeCriterion(false), PruneSpec.of(1 - density, Scope.GLOBAL));
        restore(ticket, state.rewind());
        new Trainer(ticket, train, trainData, testData, null).fit();
        double ticketAcc = accuracy(ticket);

        Module reinit = reinitControl(ticket, r);
        new Trainer(reinit, train, trainData, testData, null).fit();

        Module randomMask = randomMaskControl(ticket, state, r);
        new Trainer(randomMask, train, trainData, testData, null).fit();
        return new Round(r, SparsityStats.of(ticket).nonzero() / (double) SparsityStats.of(ticket).total(), ticketAcc,
                accuracy(reinit), accuracy(randomMask), (System.nanoTime() - start) / 1e9);
    }

    /** The first control, before training: the ticket's masks on a fresh initialisation (its own seed per round). */
    Module reinitControl(Module ticket, int r) {
        Module reinit = Models.build(config, seed + 7919L * r);
        copyMasks(ticket, reinit);
        return reinit;
    }

    /** The second control, before training: the rewind point's weights under a random mask with each layer at the ticket's density. */
    Module randomMaskControl(Module ticket, State state, int r) {
        Module randomMask = Models.build(config, seed);
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
