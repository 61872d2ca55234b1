package jprune.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.data.Batches;
import jprune.nn.data.DataSplit;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import jprune.nn.train.TrainingListener;

/**
 * A whole pruning run on a trained model: prune on the chosen schedule, fine-tune, measure. One-shot
 * and iterative schedules alternate pruning and fine-tuning in rounds; the gradual (AGP) schedule
 * raises the sparsity inside fine-tuning, every few steps, along the cubic curve.
 *
 * <p>Built once with everything the run needs, then {@link #run(TrainingListener)} prunes the model in
 * place. {@link PruneRecipe} assembles one from names and also compacts channel-pruned models.
 */
public final class PruneRun {
    /** Figures of one round (one-shot and iterative) or one fine-tuning epoch (gradual). */
    public record Round(int round, double sparsity, double accuracyBeforeFinetune, double accuracy, double seconds) {}

    /**
     * How many calibration batches (of the fine-tuning batch size) data-driven criteria look at per
     * pruning step: Taylor's gradients, OBD's Fisher diagonal (per sample) or Hutchinson probes.
     */
    public static final int CALIBRATION_BATCHES = 8;

    private final Module model;
    private final Pruner pruner;
    private final Criterion criterion;
    private final PruneSpec spec;
    private final SparsitySchedule schedule;
    private final TrainConfig finetune;
    private final DataSplit train;
    private final DataSplit test;

    /**
     * A run pruning {@code model} in place at the pruner's granularity; {@code test} is only
     * evaluated, {@code train} feeds fine-tuning and the criteria's calibration batches.
     */
    public PruneRun(Module model, Pruner pruner, Criterion criterion, PruneSpec spec, SparsitySchedule schedule,
                    TrainConfig finetune, DataSplit train, DataSplit test) {
        this.model = require(model, "model");
        this.pruner = require(pruner, "pruner");
        this.criterion = require(criterion, "criterion");
        this.spec = require(spec, "spec");
        this.finetune = require(finetune, "finetune");
        this.train = require(train, "train");
        this.test = require(test, "test");
        // Identity, not equality: only parse("agp")'s instance means "over this run's fine-tuning".
        this.schedule = require(schedule, "schedule") == SparsitySchedule.AGP_OVER_FINETUNING
                ? defaultGradual(finetune, train.count()) : schedule;
        if (schedule instanceof SparsitySchedule.Gradual && finetune.epochs() < 1)
            throw new IllegalArgumentException("the gradual (agp) schedule prunes during fine-tuning: it needs >= 1 fine-tuning epoch");
        // What would otherwise run and silently prune nothing, or something else:
        if (criterion instanceof MovementCriterion && !(this.schedule instanceof SparsitySchedule.Gradual))
            throw new IllegalArgumentException("the movement criterion scores weights while they are fine-tuned: it needs the gradual (agp) schedule");
        if (pruner instanceof GroupPruner g && g.model() != model)
            throw new IllegalArgumentException("the pruner was made for another model: make it with Granularity.pruner(model) for the model this run prunes");
        if (Prunable.weights(model).isEmpty())
            throw new IllegalArgumentException("the model has no prunable weights (a model read from a .jpz is inference-only; prune the checkpoint it came from)");
    }

    /** As the full constructor, pruning single weights (unstructured). */
    public PruneRun(Module model, Criterion criterion, PruneSpec spec, SparsitySchedule schedule, TrainConfig finetune, DataSplit train, DataSplit test) {
        this(model, Pruner.UNSTRUCTURED, criterion, spec, schedule, finetune, train, test);
    }

    private static <T> T require(T value, String name) {
        if (value == null) throw new IllegalArgumentException(name + " must not be null");
        return value;
    }

    /** The schedule this run follows: as given, or for {@code parse("agp")} the {@link #defaultGradual} of its fine-tuning. */
    public SparsitySchedule schedule() {
        return schedule;
    }

    /** Prunes and fine-tunes the model in place; returns the figures of each round. {@code progress} may be null. */
    public List<Round> run(TrainingListener progress) {
        TrainingListener listener = progress == null ? TrainingListener.NONE : progress;
        Map<String, Parameter> weights = Prunable.weights(model);
        PruneContext ctx = new PruneContext(model, train, CALIBRATION_BATCHES, finetune.batchSize(), finetune.seed());
        List<Round> rounds = new ArrayList<>();
        switch (schedule) {
            case SparsitySchedule.OneShot o -> rounds.add(round(1, spec.sparsity(), weights, ctx, listener));
            case SparsitySchedule.Iterative it -> {
                for (int r = 1; r <= it.rounds(); r++) rounds.add(round(r, it.sparsityAfter(r, spec.sparsity()), weights, ctx, listener));
            }
            case SparsitySchedule.Gradual g -> rounds.addAll(gradual(g, weights, ctx, listener));
        }
        return rounds;
    }

    private Round round(int r, double target, Map<String, Parameter> weights, PruneContext ctx, TrainingListener listener) {
        long start = System.nanoTime();
        criterion.prepare(ctx);
        pruner.prune(weights, criterion, spec.withSparsity(target));
        double before = Trainer.accuracy(model, test, 256);
        double after = before;
        if (finetune.epochs() > 0) {
            var history = new Trainer(model, finetune, train, test, listener).addStepHook((step, epoch) -> criterion.afterStep(model)).fit();
            after = history.get(history.size() - 1).testAccuracy();
        }
        return new Round(r, SparsityStats.of(model).sparsity(), before, after, (System.nanoTime() - start) / 1e9);
    }

    /**
     * The default gradual schedule for a fine-tuning run: prune from 0 over the first half of its
     * steps, ten updates an epoch. The second half recovers at the final sparsity, starting at half
     * the (cosine) learning rate; ending at two thirds, as this did before, left a third of the run
     * starting at a quarter of the rate, and lenet-300-100 lost more accuracy (README, "Pruning").
     */
    public static SparsitySchedule.Gradual defaultGradual(TrainConfig finetune, int trainCount) {
        int perEpoch = new Batches.Sizes(trainCount, finetune.batchSize()).batchesPerEpoch();
        int total = Math.max(1, finetune.epochs() * perEpoch);
        return new SparsitySchedule.Gradual(0, 0, Math.max(1, total / 2), Math.max(1, perEpoch / 10));
    }

    private List<Round> gradual(SparsitySchedule.Gradual g, Map<String, Parameter> weights, PruneContext ctx, TrainingListener listener) {
        List<Round> rounds = new ArrayList<>();
        long[] epochStart = {System.nanoTime()};
        TrainingListener perEpoch = new TrainingListener() {
            @Override
            public void onBatch(int epoch, int batch, int batches, double loss, double samplesPerSecond) {
                listener.onBatch(epoch, batch, batches, loss, samplesPerSecond);
            }

            @Override
            public void onEpoch(jprune.nn.train.EpochRecord rec) {
                listener.onEpoch(rec);
                rounds.add(new Round(rec.epoch(), SparsityStats.of(model).sparsity(), Double.NaN, rec.testAccuracy(),
                        (System.nanoTime() - epochStart[0]) / 1e9));
                epochStart[0] = System.nanoTime();
            }
        };
        new Trainer(model, finetune, train, test, perEpoch).addStepHook((step, epoch) -> {
            criterion.afterStep(model);
            if (!g.updatesAt(step)) return;
            criterion.prepare(ctx);
            pruner.prune(weights, criterion, spec.withSparsity(g.sparsityAt(step, spec.sparsity())));
        }).fit();
        return rounds;
    }
}
