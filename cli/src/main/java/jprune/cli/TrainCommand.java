package jprune.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import jprune.nn.train.LrScheduleKind;
import jprune.nn.train.OptimizerKind;
import jprune.nn.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune train}: trains a reference model and writes model.safetensors and metrics.json. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a reference model on Fashion-MNIST.",
                "Writes DIR/model.safetensors and DIR/metrics.json (keys documented in README.md)."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "M", description = "lenet-300-100, lenet-5, convnet or vit-tiny.")
    String model;

    @Option(names = "--dataset", paramLabel = "D", defaultValue = "fashion-mnist", description = "Data set (only fashion-mnist). Default: ${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = "--epochs", paramLabel = "N", description = "Training epochs (default per model: 20; convnet 12; vit-tiny 15).")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "B", description = "Batch size (default 128).")
    Integer batch;

    @Option(names = "--lr", paramLabel = "X", description = "Peak learning rate (default: sgd 0.05, adamw 0.002).")
    Double lr;

    @Option(names = "--optimizer", paramLabel = "O", description = "sgd or adamw (default: sgd; adamw for vit-tiny).")
    String optimizer;

    @Option(names = "--schedule", paramLabel = "S", description = "cosine, step, exponential or none (default cosine).")
    String schedule;

    @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum (default 0.9, Nesterov).")
    Double momentum;

    @Option(names = "--weight-decay", paramLabel = "W", description = "Weight decay (default: 1e-4; convnet 5e-4; vit-tiny 0.05).")
    Double weightDecay;

    @Option(names = "--warmup", paramLabel = "E", description = "Linear warm-up epochs (default 0; vit-tiny 1).")
    Integer warmup;

    @Option(names = "--label-smoothing", paramLabel = "S", description = "Label smoothing in [0,1) (default 0; vit-tiny 0.1).")
    Double labelSmoothing;

    @Option(names = "--l1", paramLabel = "L", defaultValue = "0", description = "L1 penalty on weights. Default: ${DEFAULT-VALUE}.")
    double l1;

    @Option(names = "--l2", paramLabel = "L", defaultValue = "0", description = "L2 penalty on weights (besides weight decay). Default: ${DEFAULT-VALUE}.")
    double l2;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Random seed for init, shuffling and dropout. Default: ${DEFAULT-VALUE}.")
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
        Data.checkName(dataset);
        if (trainLimit < 0) throw new UsageException("--train-limit must be >= 0, got " + trainLimit);
        TrainConfig cfg = config();
        TrainRun.Result r = TrainRun.run(model, cfg, common.load(trainLimit), out, common.threads(), System.err);
        System.out.printf(java.util.Locale.ROOT, "%s: test accuracy %.2f%% after %s (%.1f s/epoch); wrote %s%n",
                model, 100 * r.testAccuracy(), Metrics.plural(cfg.epochs(), "epoch"), r.secondsPerEpoch(), out.resolve("model.safetensors"));
        return 0;
    }

    TrainConfig config() {
        if (!jprune.nn.models.Models.NAMES.contains(model))
            throw new UsageException("--model must be one of " + jprune.nn.models.Models.NAMES + ", got '" + model + "'");
        TrainConfig d = TrainConfig.defaults(model);
        try {
            OptimizerKind opt = optimizer != null ? OptimizerKind.parse(optimizer) : d.optimizer();
            double defaultLr = opt == d.optimizer() ? d.lr() : (opt == OptimizerKind.ADAMW ? 2e-3 : 0.05);
            return TrainConfig.builder()
                    .epochs(epochs != null ? epochs : d.epochs())
                    .batchSize(batch != null ? batch : d.batchSize())
                    .lr(lr != null ? lr : defaultLr)
                    .optimizer(opt)
                    .schedule(schedule != null ? LrScheduleKind.parse(schedule) : d.schedule())
                    .momentum(momentum != null ? momentum : d.momentum())
                    .nesterov(d.nesterov() && (momentum == null || momentum > 0))
                    .weightDecay(weightDecay != null ? weightDecay : d.weightDecay())
                    .warmupEpochs(warmup != null ? warmup : Math.min(d.warmupEpochs(), epochs != null ? epochs : d.epochs()))
                    .labelSmoothing(labelSmoothing != null ? labelSmoothing : d.labelSmoothing())
                    .l1(l1).l2(l2).seed(seed).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
