package jprune.nn.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Losses;
import jprune.nn.autograd.Variable;
import jprune.nn.data.Batches;
import jprune.nn.data.DataSplit;
import jprune.tensor.Tensor;

/**
 * Early stopping found after the fact, as the lottery-ticket paper measures it: the validation loss
 * is evaluated every {@code every} optimizer steps (and after the last one), and the model's state
 * at the lowest loss is kept. Training itself runs its whole budget; nothing here changes it.
 * Lifecycle: add as a step hook to a {@link Trainer}, call {@link #finish} after {@code fit()},
 * then read {@link #bestIteration()} and {@link #bestState()}.
 */
public final class EarlyStopping implements Trainer.StepHook {
    private final Module model;
    private final ToDoubleFunction<Module> validationLoss;
    private final int every;
    private int lastEvaluated = 0, steps = 0, bestIteration = -1;
    private double bestLoss = Double.POSITIVE_INFINITY;
    private Map<String, Tensor> bestState;

    /** validationLoss is evaluated on the model as it is at each check (lower is better). */
    public EarlyStopping(Module model, ToDoubleFunction<Module> validationLoss, int every) {
        if (every < 1) throw new IllegalArgumentException("validation interval must be >= 1 step, got " + every);
        this.model = model;
        this.validationLoss = validationLoss;
        this.every = every;
    }

    /** Early stopping on the mean cross-entropy over a validation split. */
    public static EarlyStopping onValidation(Module model, DataSplit validation, int every) {
        return new EarlyStopping(model, m -> meanLoss(m, validation, 1000), every);
    }

    @Override
    public void afterStep(int globalStep, int epoch) {
        steps = globalStep + 1;
        if (steps % every == 0) check();
    }

    /** Checks the state after the last step too, when it did not fall on the interval. */
    public void finish() {
        if (steps > lastEvaluated) check();
    }

    private void check() {
        lastEvaluated = steps;
        double loss = validationLoss.applyAsDouble(model);
        // Strictly lower: on a tie the earlier iteration stands, as "stop at the first minimum".
        if (loss < bestLoss) {
            bestLoss = loss;
            bestIteration = steps;
            bestState = new LinkedHashMap<>();
            model.stateDict().forEach((k, v) -> bestState.put(k, v.copy()));
        }
    }

    /** Optimizer steps taken when the validation loss was lowest, or -1 if it was never checked. */
    public int bestIteration() {
        return bestIteration;
    }

    public double bestLoss() {
        return bestLoss;
    }

    /** A copy of the model's parameters and buffers at the lowest validation loss (null if never checked). */
    public Map<String, Tensor> bestState() {
        return bestState;
    }

    /**
     * Runs body with the model set to its early-stopping state, then puts the final state back
     * (masks re-applied both ways), so the caller can measure the early-stopped network.
     */
    public <T> T atBest(java.util.function.Supplier<T> body) {
        if (bestState == null) throw new IllegalStateException("the validation loss was never checked");
        Map<String, Tensor> last = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> last.put(k, v.copy()));
        load(model, bestState);
        try {
            return body.get();
        } finally {
            load(model, last);
        }
    }

    private static void load(Module m, Map<String, Tensor> state) {
        m.loadStateDict(state, k -> false);
        for (Parameter p : m.parameters()) p.applyMask();
    }

    /** Mean cross-entropy of the model over a split, in evaluation mode without a graph. */
    public static double meanLoss(Module model, DataSplit split, int batchSize) {
        boolean wasTraining = model.isTraining();
        model.train(false);
        double sum = 0;
        try (var g = GradMode.noGrad()) {
            for (Batches.Batch batch : new Batches(split, batchSize, false, 0, true).epoch(0)) {
                Variable logits = model.forward(Variable.constant(batch.x()));
                sum += Losses.crossEntropy(logits, batch.labels(), 0f).value().item() * batch.size();
            }
        } finally {
            model.train(wasTraining);
        }
        return sum / split.count();
    }
}
