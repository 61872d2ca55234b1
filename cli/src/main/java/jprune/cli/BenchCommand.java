package jprune.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.tensor.GemmTiming;
import jprune.tensor.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jprune bench}: measurements of kernels and models. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchCommand.Gemm.class, BenchSparseCommand.class, BenchModelCommand.class, BenchServeCommand.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing benchmark: choose one of " + Main.visibleSubcommands(spec.commandLine()));
    }

    /** {@code jprune bench gemm}: fp32 GEMM throughput. */
    @Command(name = "gemm", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"fp32 matrix multiply N×N×N: prints the best GFLOPS of several runs.",
                    "With --out DIR writes {\"size\":N,\"threads\":T,\"gflops\":G} to DIR/metrics.json."})
    static final class Gemm implements Callable<Integer> {
        @Option(names = "--size", paramLabel = "N", defaultValue = "2048", description = "Matrix size. Default: ${DEFAULT-VALUE}.")
        int size;

        @Option(names = "--threads", paramLabel = "T", description = "Threads (default: all cores).")
        Integer threads;

        @Option(names = "--repeats", paramLabel = "R", defaultValue = "5", description = "Timed runs after warm-up. Default: ${DEFAULT-VALUE}.")
        int repeats;

        @Option(names = "--out", paramLabel = "DIR", description = "Write DIR/metrics.json.")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (size < 1 || size > 16384) throw new UsageException("--size must be in [1, 16384], got " + size);
            if (repeats < 1) throw new UsageException("--repeats must be >= 1, got " + repeats);
            int t = threads != null ? threads : Parallel.threads();
            if (t < 1) throw new UsageException("--threads must be >= 1, got " + t);
            double gflops = GemmTiming.measureGflops(size, t, repeats);
            System.out.printf(java.util.Locale.ROOT, "gemm %d×%d×%d fp32, %d threads: %.1f GFLOPS%n", size, size, size, t, gflops);
            if (out != null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("size", size);
                m.put("threads", t);
                m.put("gflops", gflops);
                AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(m, true));
            }
            return 0;
        }
    }
}
