package jprune.cli;

import java.nio.file.Path;
import jprune.tensor.Parallel;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options of the commands that read Fashion-MNIST: threads, where the data lives and how much of the test set to use. */
public final class CommonOptions {
    @Mixin
    ThreadOptions threadOptions;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Directory with the Fashion-MNIST IDX files (default: $JPRUNE_DATA, then /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--test-limit", paramLabel = "N", defaultValue = "0",
            description = "Evaluate on only the first N test images (0 = all), for quick runs; accuracies then describe that subset.")
    int testLimit;

    /** Applies the thread setting; call before any kernel runs. */
    void apply() {
        threadOptions.apply();
        if (testLimit < 0) throw new UsageException("--test-limit must be >= 0, got " + testLimit);
    }

    /** The data set, with --train-limit (the command's own option) and --test-limit applied. */
    Data.Splits load(int trainLimit) throws java.io.IOException {
        return Data.load(data, trainLimit, testLimit);
    }

    /** --threads as given, or null. */
    Integer threadsGiven() {
        return threadOptions.threads;
    }

    int threads() {
        return Parallel.threads();
    }
}
