package jprune.cli;

import java.nio.file.Path;
import jprune.tensor.Parallel;
import picocli.CommandLine.Option;

/** Options every command that computes shares: threads and where the data lives. */
public final class CommonOptions {
    @Option(names = "--threads", paramLabel = "T", description = "Threads for the kernels (default: all cores, or $JPRUNE_THREADS).")
    Integer threads;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Directory with the Fashion-MNIST IDX files (default: $JPRUNE_DATA, then /usr/share/datasets/fashion-mnist).")
    Path data;

    /** Applies the thread setting; call before any kernel runs. */
    void apply() {
        if (threads != null) {
            if (threads < 1) throw new UsageException("--threads must be >= 1, got " + threads);
            Parallel.setThreads(threads);
        }
    }

    int threads() {
        return Parallel.threads();
    }
}
