package jprune.cli;

import jprune.tensor.Parallel;
import picocli.CommandLine.Option;

/** The one option shared by commands that compute but read no Fashion-MNIST: the kernels' thread count. */
public final class ThreadOptions {
    @Option(names = "--threads", paramLabel = "T", description = "Threads for the kernels (default: all cores, or $JPRUNE_THREADS).")
    Integer threads;

    /** Applies the thread setting; call before any kernel runs. */
    void apply() {
        if (threads != null) {
            if (threads < 1) throw new UsageException("--threads must be >= 1, got " + threads);
            Parallel.setThreads(threads);
        }
    }
}
