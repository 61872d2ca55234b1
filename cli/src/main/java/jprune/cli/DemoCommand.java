package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import jprune.nn.Module;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jprune demo}: the main job end to end on the default model. Trains lenet-300-100 (or
 * reuses the dense model a previous demo left in OUT/dense) and reports it.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the main job end to end on lenet-300-100: train (or reuse) the dense model and report it.",
                "Writes OUT/dense/model.safetensors and OUT/dense/metrics.json."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/demo", description = "Output directory. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "20", description = "Training epochs for the dense model. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--retrain", description = "Train the dense model again even if OUT/dense holds one.")
    boolean retrain;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        if (epochs < 1) throw new UsageException("--epochs must be >= 1, got " + epochs);
        Data.Splits data = Data.load(common.data, 0);
        Path denseDir = out.resolve("dense");
        Path ckpt = denseDir.resolve("model.safetensors");
        Module model;
        double acc;
        if (!retrain && Files.exists(ckpt)) {
            System.err.println("reusing the dense model in " + denseDir + " (--retrain to train again)");
            model = ModelCheckpoint.load(ckpt).model();
            acc = Trainer.accuracy(model, data.test(), 256);
        } else {
            TrainConfig cfg = TrainConfig.defaults("lenet-300-100").withEpochs(epochs);
            TrainRun.Result r = TrainRun.run("lenet-300-100", cfg, data, denseDir, common.threads(), System.err);
            model = r.model();
            acc = r.testAccuracy();
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-16s %12s %14s %12s%n", "model", "accuracy", "parameters", "size");
        System.out.printf(Locale.ROOT, "%-16s %11.2f%% %,14d %9.1f KiB%n", "dense", 100 * acc, model.parameterCount(),
                Files.size(ckpt) / 1024.0);
        System.out.println();
        System.out.println("model and metrics: " + denseDir);
        return 0;
    }
}
