package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
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
import jprune.prune.InferenceComparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune bench model}: end-to-end inference speed of a pruned model as dense, masked and compressed. */
@Command(name = "model", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"End-to-end inference of one model in three forms: dense (masks dropped), masked (as pruning leaves it) and compressed",
                "(the .jpz given, or one built on the spot with automatic per-layer formats): batch-1 latency and batch-64 throughput.",
                "With --baseline DIR instead: the model against another one (the unpruned model a structured run started from).",
                "Timed in interleaved rounds; speedups are medians of per-round ratios, with their range. With --out DIR writes DIR/metrics.json."})
final class BenchModelCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "DIR", description = "Run directory holding the pruned model.safetensors (or the file).")
    Path from;

    @Option(names = "--compressed", paramLabel = "FILE", description = "The compressed model (a .jpz or a directory holding model.jpz). Default: FROM/model.jpz if present, else built in memory.")
    Path compressed;

    @Option(names = "--baseline", paramLabel = "DIR", description = "Time FROM's model as saved against this model (run directory or file), "
            + "e.g. the dense model before heads, neurons or blocks were removed; no masked or compressed forms.")
    Path baseline;

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
        if (baseline != null) return againstBaseline(source, masked, data);

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
        // The three forms side by side in interleaved rounds; speedups are per-round ratios over dense.
        Map<String, Module> forms = new LinkedHashMap<>();
        forms.put("dense", dense);
        forms.put("masked", masked.model());
        forms.put("compressed", deployed);
        List<InferenceComparison.Side> sides = InferenceComparison.measure(forms, data.test(), 1500);
        InferenceComparison.Side d = sides.get(0), mk = sides.get(1), c = sides.get(2);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", masked.config().name());
        m.put("source", source.toString());
        m.put("compressed", jpz == null ? "built in memory" : jpz.toString());
        m.put("threads", jprune.tensor.Parallel.threads());
        m.put("dense", d.toMap());
        m.put("masked", mk.toMap());
        m.put("compressed_model", c.toMap());
        return finish(m, sides, "form", "compressed vs dense", c);
    }

    /** The model as saved against --baseline's model, interleaved; speedups over the baseline. */
    private int againstBaseline(Path source, ModelCheckpoint.Loaded model, Data.Splits data) throws Exception {
        Path basePath;
        try {
            basePath = SavedModel.checkpoint(baseline);
        } catch (UsageException e) {
            throw new UsageException(e.getMessage().replaceFirst("^--from", "--baseline"));
        }
        ModelCheckpoint.Loaded base = ModelCheckpoint.load(basePath);
        if (!base.config().name().equals(model.config().name()))
            throw new UsageException("--baseline is a " + base.config().name() + " model, --from a " + model.config().name() + " one");
        Map<String, Module> forms = new LinkedHashMap<>();
        forms.put("baseline", base.model());
        forms.put("model", model.model());
        List<InferenceComparison.Side> sides = InferenceComparison.measure(forms, data.test(), 1500);
        InferenceComparison.Side b = sides.get(0), p = sides.get(1);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model.config().name());
        m.put("source", source.toString());
        m.put("baseline_source", basePath.toString());
        m.put("threads", jprune.tensor.Parallel.threads());
        m.put("params_total", model.model().parameterCount());
        m.put("baseline_params_total", base.model().parameterCount());
        m.put("baseline", b.toMap());
        m.put("pruned", p.toMap());
        return finish(m, sides, "model", "model vs baseline", p);
    }

    /** Records the compared side's speedups, prints the table and them, writes metrics.json with --out. */
    private int finish(Map<String, Object> m, List<InferenceComparison.Side> sides, String firstColumn, String verdict,
                       InferenceComparison.Side compared) throws java.io.IOException {
        InferenceComparison.putRatio(m, "speedup_batch1", compared.speedupBatch1());
        InferenceComparison.putRatio(m, "speedup_batch64", compared.speedupBatch64());
        print(sides, firstColumn, verdict, compared);
        if (out != null) AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(m, true));
        return 0;
    }

    /** The sides' table, then the compared side's speedups with their range. */
    private static void print(List<InferenceComparison.Side> sides, String firstColumn, String verdict, InferenceComparison.Side compared) {
        System.out.printf(Locale.ROOT, "%-11s %12s %18s %16s %20s%n", firstColumn, "batch-1 ms", "(range)", "batch-64 img/s", "(range)");
        for (InferenceComparison.Side side : sides) {
            System.out.printf(Locale.ROOT, "%-11s %12.4f %8.4f-%-9.4f %16.0f %9.0f-%-10.0f%n", side.name(), side.latencyMsBatch1(),
                    side.latencyMsMin(), side.latencyMsMax(), side.throughputBatch64(), side.throughputMin(), side.throughputMax());
        }
        System.out.printf(Locale.ROOT, "%s: %.2fx at batch 1 (rounds %.2f-%.2f), %.2fx at batch 64 (rounds %.2f-%.2f)%n", verdict,
                compared.speedupBatch1().median(), compared.speedupBatch1().min(), compared.speedupBatch1().max(),
                compared.speedupBatch64().median(), compared.speedupBatch64().min(), compared.speedupBatch64().max());
        InferenceComparison.Side base = sides.get(0);
        java.util.List<String> split = new java.util.ArrayList<>();
        if (compared.speedupBatch1().disagreesWith(base.latencyMsBatch1() / compared.latencyMsBatch1())) split.add("batch 1");
        if (compared.speedupBatch64().disagreesWith(compared.throughputBatch64() / base.throughputBatch64())) split.add("batch 64");
        if (!split.isEmpty()) System.out.println(disagreementNote("at " + String.join(" and ", split)));
    }

    /** The line a comparison prints when a median per-round speedup and the medians above it disagree (see {@link jprune.tensor.Timing.Ratio#disagreesWith}). */
    static String disagreementNote(String where) {
        return "note: " + where + " the median of the per-round speedups and the medians above disagree on which side is faster:"
                + " the machine's speed changed between rounds, so run it again before trusting either";
    }
}
