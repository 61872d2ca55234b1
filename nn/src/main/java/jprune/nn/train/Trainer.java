package jprune.nn.train;

import java.util.ArrayList;
import java.util.List;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Losses;
import jprune.nn.autograd.Variable;
import jprune.nn.data.Batches;
import jprune.nn.data.DataSplit;
import jprune.nn.optim.AdamW;
import jprune.nn.optim.LrSchedule;
import jprune.nn.optim.Optimizer;
import jprune.nn.optim.Penalty;
import jprune.nn.optim.Sgd;

/**
 * The training loop: shuffled mini-batches, cross-entropy, backward, optional penalties, an
 * optimizer step under a learning-rate schedule, and a test evaluation after each epoch. Step
 * hooks run after every optimizer step (gradual pruning plugs in there).
 */
public final class Trainer {
    /** Called after each optimizer step with the 0-based global step and epoch. */
    @FunctionalInterface
    public interface StepHook {
        void afterStep(int globalStep, int epoch);
    }

    private final Module model;
    private final TrainConfig cfg;
    private final DataSplit train, test;
    private final TrainingListener listener;
    private final List<StepHook> stepHooks = new ArrayList<>();

    public Trainer(Module model, TrainConfig cfg, DataSplit train, DataSplit test, TrainingListener listener) {
        this.model = java.util.Objects.requireNonNull(model, "model");
        this.cfg = java.util.Objects.requireNonNull(cfg, "cfg");
        this.train = java.util.Objects.requireNonNull(train, "train");
        this.test = test;
        this.listener = listener == null ? TrainingListener.NONE : listener;
    }

    public Trainer addStepHook(StepHook hook) {
        stepHooks.add(hook);
        return this;
    }

    /** Builds the configured optimizer over the model's parameters. */
    public static Optimizer optimizer(TrainConfig cfg, List<Parameter> params) {
        return switch (cfg.optimizer()) {
            case SGD -> new Sgd(params, cfg.lr(), cfg.momentum(), cfg.nesterov(), cfg.weightDecay());
            case ADAMW -> new AdamW(params, cfg.lr(), 0.9, 0.999, 1e-8, cfg.weightDecay());
        };
    }

    /** The configured schedule over the run's total steps. */
    public static LrSchedule schedule(TrainConfig cfg, int stepsPerEpoch) {
        int total = Math.max(1, cfg.epochs() * stepsPerEpoch);
        LrSchedule s = switch (cfg.schedule()) {
            case NONE -> LrSchedule.constant(cfg.lr());
            case COSINE -> LrSchedule.cosine(cfg.lr(), 0, total);
            case STEP -> LrSchedule.stepDecay(cfg.lr(), Math.max(1, cfg.epochs() / 3) * stepsPerEpoch, 0.1);
            case EXPONENTIAL -> LrSchedule.exponential(cfg.lr(), 0.9, stepsPerEpoch);
        };
        return s.withWarmup(cfg.warmupEpochs() * stepsPerEpoch);
    }

    /** Trains for cfg.epochs() epochs and returns one record per epoch. */
    public List<EpochRecord> fit() {
        Batches batches = new Batches(train, cfg.batchSize(), true, cfg.seed(), true);
        int perEpoch = batches.batchesPerEpoch();
        List<Parameter> params = model.parameters();
        Optimizer opt = optimizer(cfg, params);
        LrSchedule lr = schedule(cfg, perEpoch);
        Penalty penalty = new Penalty(cfg.l1(), cfg.l2());
        List<EpochRecord> history = new ArrayList<>();
        int step = 0;
        for (int epoch = 0; epoch < cfg.epochs(); epoch++) {
            long start = System.nanoTime();
            model.train(true);
            double lossSum = 0;
            int seen = 0, b = 0;
            for (Batches.Batch batch : batches.epoch(epoch)) {
                opt.setLr(lr.lr(step));
                opt.zeroGrad();
                Variable logits = model.forward(Variable.constant(batch.x()));
                Variable loss = Losses.crossEntropy(logits, batch.labels(), (float) cfg.labelSmoothing());
                loss.backward();
                penalty.addGradients(params);
                opt.step();
                for (StepHook h : stepHooks) h.afterStep(step, epoch);
                step++;
                lossSum += loss.value().item() * batch.size();
                seen += batch.size();
                double secs = (System.nanoTime() - start) / 1e9;
                listener.onBatch(epoch, ++b, perEpoch, lossSum / seen, seen / Math.max(secs, 1e-9));
            }
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            double acc = test == null ? Double.NaN : accuracy(model, test, 256);
            EpochRecord rec = new EpochRecord(epoch + 1, lossSum / Math.max(1, seen), acc, trainSeconds);
            history.add(rec);
            listener.onEpoch(rec);
        }
        model.train(false);
        return history;
    }

    /** Fraction of the split classified correctly, in evaluation mode without a graph. */
    public static double accuracy(Module model, DataSplit split, int batchSize) {
        boolean wasTraining = model.isTraining();
        model.train(false);
        int correct = 0;
        try (var g = GradMode.noGrad()) {
            for (Batches.Batch batch : new Batches(split, batchSize, false, 0, true).epoch(0)) {
                float[] logits = model.forward(Variable.constant(batch.x())).value().data();
                int classes = logits.length / batch.size();
                for (int i = 0; i < batch.size(); i++) {
                    int best = 0;
                    for (int c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
                    if (best == batch.labels()[i]) correct++;
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return (double) correct / split.count();
    }
}
