package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.deploy.CompressionPlanner;
import jprune.deploy.FormatChooser;
import jprune.deploy.io.CompressedModel;
import jprune.nn.Module;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.models.Models;
import jprune.prune.InferenceTiming;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune bench model}: end-to-end inference speed of a pruned model as dense, masked and compressed. */
@Command(name = "model", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"End-to-end inference of one model in three forms: dense (masks dropped), masked (as pruning leaves it) and compressed",
                "(the .jpz given, or one built on the spot with automatic per-layer formats): batch-1 latency and batch-64 throughput.",
                "With --out DIR writes DIR/metrics.json."})
final class BenchModelCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "DIR", description = "Run directory holding the pruned model.safetensors (or the file).")
    Path from;

    @Option(names = "--compressed", paramLabel = "FILE", description = "The compressed model (a .jpz or a directory holding model.jpz). Default: FROM/model.jpz if present, else built in memory.")
    Path compressed;

    @Option(names = "--out", paramLabel = "DIR", description = "Write DIR/metrics.json.")
    Path out;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        Path source = SavedModel.checkpoint(from);
        ModelCheckpoint.Loaded masked = ModelCheckpoint.load(source);
        Module dense = Models.build(masked.config(), 0);
        dense.loadStateDict(masked.model().stateDict(), k -> false);
        dense.train(false);
        Data.Splits data = common.load(0);

        Path jpz = compressed != null ? (Files.isDirectory(compressed) ? compressed.resolve("model.jpz") : compressed) : source.resolveSibling("model.jpz");
        if (compressed != null && !Files.exists(jpz)) throw new UsageException("--compressed: no compressed model at " + jpz);
        Module deployed;
        if (Files.exists(jpz)) {
            deployed = CompressedModel.read(jpz).model();
        } else {
            System.err.println("no model.jpz beside " + source + ": compressing in memory (fp32, automatic formats)");
            Path tmp = Files.createTempFile("jprune-bench", ".jpz");
            try {
                CompressionPlanner planner = new CompressionPlanner(CompressedModel.Storage.F32, true, "auto", FormatChooser.Goal.LATENCY, 64);
                Module work = ModelCheckpoint.load(source).model();
                CompressedModel.write(tmp, masked.config(), work, planner.plan(work, Map.of(), CompressCommand.sample(data), System.err).weights(), Map.of());
                deployed = CompressedModel.read(tmp).model();
                jpz = null;
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        // Each form twice, interleaved, keeping its better figures: the first pass also warms the JIT.
        InferenceTiming d = InferenceTiming.measure(dense, data.test()), mk = InferenceTiming.measure(masked.model(), data.test()),
                c = InferenceTiming.measure(deployed, data.test());
        d = d.best(InferenceTiming.measure(dense, data.test()));
        mk = mk.best(InferenceTiming.measure(masked.model(), data.test()));
        c = c.best(InferenceTiming.measure(deployed, data.test()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", masked.config().name());
        m.put("source", source.toString());
        m.put("compressed", jpz == null ? "built in memory" : jpz.toString());
        m.put("threads", jprune.tensor.Parallel.threads());
        m.put("dense", d.toMap());
        m.put("masked", mk.toMap());
        m.put("compressed_model", c.toMap());
        m.put("speedup_batch1", d.latencyMsBatch1() / c.latencyMsBatch1());
        m.put("speedup_batch64", c.throughputBatch64() / d.throughputBatch64());
        System.out.printf(Locale.ROOT, "%-11s %12s %16s%n", "form", "batch-1 ms", "batch-64 img/s");
        System.out.printf(Locale.ROOT, "%-11s %12.4f %16.0f%n", "dense", d.latencyMsBatch1(), d.throughputBatch64());
        System.out.printf(Locale.ROOT, "%-11s %12.4f %16.0f%n", "masked", mk.latencyMsBatch1(), mk.throughputBatch64());
        System.out.printf(Locale.ROOT, "%-11s %12.4f %16.0f%n", "compressed", c.latencyMsBatch1(), c.throughputBatch64());
        System.out.printf(Locale.ROOT, "compressed vs dense: %.2fx at batch 1, %.2fx at batch 64%n", d.latencyMsBatch1() / c.latencyMsBatch1(), c.throughputBatch64() / d.throughputBatch64());
        if (out != null) AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(m, true));
        return 0;
    }
}
