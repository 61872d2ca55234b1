package jprune.prune;

import jprune.nn.models.WeightInit;
import jprune.nn.train.LrScheduleKind;
import jprune.nn.train.OptimizerKind;
import jprune.nn.train.TrainConfig;

/**
 * How a lottery-ticket search runs: the training of every run (dense, ticket, controls), the
 * pruning per round, the initialisation, the rewind point and how accuracy is read.
 *
 * @param train      the recipe of every training run; the controls train exactly as the ticket does
 * @param scope      layer: every layer loses {@code rate} of its survivors per round; global: one ranking over the layers
 * @param rate       fraction of the surviving weights pruned per round, in (0, 1)
 * @param outputRate the same for the output layer (the model's last weight), pruned on its own; equal to rate: no special case
 * @param init       how the network (and the re-initialised control) is drawn
 * @param rewindStep 0 rewinds to initialisation; k > 0 to the weights after k optimizer steps of the first run
 * @param validation training images held out as a validation set for early stopping; 0: none (accuracy at the end only);
 *                   {@link #PAPER_VALIDATION} means 5,000 (a twelfth when fewer than 60,000 images are used)
 * @param evalEvery  optimizer steps between validation checks
 */
public record LotteryRecipe(TrainConfig train, Scope scope, double rate, double outputRate, WeightInit init, int rewindStep,
                            int validation, int evalEvery) {
    /** The lottery-ticket paper's validation set: 5,000 of MNIST's 60,000 training images. */
    public static final int PAPER_VALIDATION = -1;

    public LotteryRecipe {
        if (train == null || scope == null || init == null) throw new IllegalArgumentException("train, scope and init are required");
        if (!(rate > 0 && rate < 1)) throw new IllegalArgumentException("pruning rate per round must be in (0, 1), got " + rate);
        if (!(outputRate > 0 && outputRate < 1)) throw new IllegalArgumentException("output-layer pruning rate per round must be in (0, 1), got " + outputRate);
        if (rewindStep < 0) throw new IllegalArgumentException("rewind step must be >= 0, got " + rewindStep);
        if (validation < PAPER_VALIDATION) throw new IllegalArgumentException("validation images must be >= 0, got " + validation);
        if (evalEvery < 1) throw new IllegalArgumentException("validation interval must be >= 1 step, got " + evalEvery);
    }

    /**
     * The recipe when the user gives none. For lenet-300-100 it is Frankle and Carbin's (ICLR 2019,
     * Figure 2, Section 2 and Appendix G): Adam at a constant 1.2e-3 in mini-batches of 60, Gaussian
     * Glorot initialisation, each layer pruned on its own by 20% of its survivors per round and the
     * output layer at half that rate, 5,000 training images held out to find the iteration of
     * minimum validation loss (checked every 100 iterations), rewinding to initialisation. The one
     * difference is the budget: 10 epochs (about 9,200 iterations) instead of the paper's 50,000.
     * Other models: their train recipe, global magnitude at 20% per round, their own initialisers,
     * accuracy at the end of training.
     */
    public static LotteryRecipe defaults(String model) {
        if (model.equals("lenet-300-100"))
            return new LotteryRecipe(TrainConfig.builder().epochs(10).batchSize(60).lr(1.2e-3).optimizer(OptimizerKind.ADAMW)
                    .schedule(LrScheduleKind.NONE).nesterov(false).weightDecay(0).build(),
                    Scope.LAYER, 0.2, 0.1, WeightInit.GLOROT_NORMAL, 0, PAPER_VALIDATION, 100);
        return new LotteryRecipe(TrainConfig.defaults(model), Scope.GLOBAL, 0.2, 0.2, WeightInit.MODEL, 0, 0, 100);
    }

    /** Whether the output layer is pruned at its own rate. */
    public boolean separateOutputRate() {
        return outputRate != rate;
    }

    /** Images to hold out of a training split of trainCount images. */
    public int validationFor(int trainCount) {
        if (validation == PAPER_VALIDATION) return Math.min(5000, trainCount / 12);
        if (validation > 0 && validation >= trainCount)
            throw new IllegalArgumentException("cannot hold out " + validation + " validation images of " + trainCount + " training images");
        return validation;
    }

    public LotteryRecipe withTrain(TrainConfig t) {
        return new LotteryRecipe(t, scope, rate, outputRate, init, rewindStep, validation, evalEvery);
    }

    /** Another rate; an output rate that was half the old rate stays half the new one, one equal to it stays equal. */
    public LotteryRecipe withRate(double r) {
        double out = outputRate == rate ? r : outputRate == rate / 2 ? r / 2 : outputRate;
        return new LotteryRecipe(train, scope, r, out, init, rewindStep, validation, evalEvery);
    }

    public LotteryRecipe withOutputRate(double r) {
        return new LotteryRecipe(train, scope, rate, r, init, rewindStep, validation, evalEvery);
    }

    public LotteryRecipe withScope(Scope s) {
        return new LotteryRecipe(train, s, rate, outputRate, init, rewindStep, validation, evalEvery);
    }

    public LotteryRecipe withInit(WeightInit i) {
        return new LotteryRecipe(train, scope, rate, outputRate, i, rewindStep, validation, evalEvery);
    }

    public LotteryRecipe withRewindStep(int k) {
        return new LotteryRecipe(train, scope, rate, outputRate, init, k, validation, evalEvery);
    }

    public LotteryRecipe withValidation(int n) {
        return new LotteryRecipe(train, scope, rate, outputRate, init, rewindStep, n, evalEvery);
    }

    public LotteryRecipe withEvalEvery(int k) {
        return new LotteryRecipe(train, scope, rate, outputRate, init, rewindStep, validation, k);
    }

    /** The target sparsity of a round: 1 − (1 − rate)^r of each layer (layer scope) or of the pool (global), the output layer at its own rate. */
    PruneSpec spec(int round, String outputLayer) {
        double sparsity = 1 - Math.pow(1 - rate, round);
        if (!separateOutputRate()) return PruneSpec.of(sparsity, scope);
        var override = new PruneSpec.Override(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(outputLayer)), 1 - Math.pow(1 - outputRate, round));
        return new PruneSpec(sparsity, scope, java.util.List.of(override), java.util.List.of(), 1.0);
    }
}
