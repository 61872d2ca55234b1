package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.nn.io.Json;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.train.TrainConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jprune demo}: the main job end to end on the default model. Trains lenet-300-100 (or
 * reuses the dense model a previous demo left in OUT/dense), prunes it gradually to 90% with
 * fine-tuning, and prints a before/after table.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the main job end to end on lenet-300-100: train (or reuse) the dense model, prune it gradually",
                "to the target sparsity with fine-tuning, compress it (int8 values, coded positions, per-layer sparse formats),",
                "and print a before/after table.",
                "Writes OUT/dense, OUT/pruned (model.safetensors, metrics.json, report.html comparing all three) and OUT/compressed (model.jpz, metrics.json).",
                "'jprune demo lm' runs the language-model demo instead: trains the default GPT-2-style model on the Brown corpus",
                "(or reuses OUT/lm/model), prints its test perplexity, a generated sample and decoding speed."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/demo", description = "Output directory. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "20", description = "Training epochs for the dense model. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--sparsity", paramLabel = "S", defaultValue = "0.9", description = "Target sparsity. Default: ${DEFAULT-VALUE}.")
    double sparsity;

    @Option(names = "--finetune-epochs", paramLabel = "E", defaultValue = "12", description = "Epochs of gradual pruning and fine-tuning. Default: ${DEFAULT-VALUE}.")
    int finetuneEpochs;

    @Option(names = "--retrain", description = "Train the dense model again even if OUT/dense holds one.")
    boolean retrain;

    @CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "WHAT", description = "lm: the language-model demo.")
    String what;

    @Mixin
    CommonOptions common;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        common.apply();
        if (what != null) {
            if (!what.equals("lm")) throw new UsageException("demo takes no argument or 'lm', got '" + what + "'");
            return LmDemo.run(out.resolve("lm"), retrain, common);
        }
        // Checked before the dense model trains (minutes), not when prune gets them.
        if (epochs < 1) throw new UsageException("--epochs must be >= 1, got " + epochs);
        if (!(sparsity > 0 && sparsity < 1)) throw new UsageException("--sparsity must be in (0, 1), got " + sparsity);
        if (finetuneEpochs < 1)
            throw new UsageException("--finetune-epochs must be >= 1 (the demo prunes gradually during fine-tuning), got " + finetuneEpochs);
        Path denseDir = out.resolve("dense"), prunedDir = out.resolve("pruned");
        if (retrain || !Files.exists(denseDir.resolve("model.safetensors"))) {
            TrainConfig cfg = TrainConfig.defaults("lenet-300-100").withEpochs(epochs);
            TrainRun.run("lenet-300-100", cfg, common.load(0), denseDir, common.threads(), System.err);
        } else {
            System.err.println("reusing the dense model in " + denseDir + " (--retrain to train again)");
        }
        List<String> args = new ArrayList<>(List.of("--from", denseDir.toString(), "--sparsity", Double.toString(sparsity),
                "--schedule", "agp", "--finetune-epochs", Integer.toString(finetuneEpochs), "--out", prunedDir.toString()));
        if (common.threadsGiven() != null) args.addAll(List.of("--threads", common.threadsGiven().toString()));
        if (common.data != null) args.addAll(List.of("--data", common.data.toString()));
        if (common.testLimit > 0) args.addAll(List.of("--test-limit", Integer.toString(common.testLimit)));
        int code = Main.withHandlers(new CommandLine(new PruneCommand())).execute(args.toArray(String[]::new));
        if (code != 0) return code;
        Path compressedDir = out.resolve("compressed");
        List<String> cargs = new ArrayList<>(List.of("--from", prunedDir.toString(), "--quantize", "int8", "--out", compressedDir.toString()));
        if (common.threadsGiven() != null) cargs.addAll(List.of("--threads", common.threadsGiven().toString()));
        if (common.data != null) cargs.addAll(List.of("--data", common.data.toString()));
        if (common.testLimit > 0) cargs.addAll(List.of("--test-limit", Integer.toString(common.testLimit)));
        code = Main.withHandlers(new CommandLine(new CompressCommand())).execute(cargs.toArray(String[]::new));
        if (code != 0) return code;
        Map<String, Object> c = (Map<String, Object>) Json.parse(Files.readString(compressedDir.resolve("metrics.json")));
        Map<String, Object> ci = (Map<String, Object>) ((Map<String, Object>) c.get("inference")).get("compressed");

        Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(prunedDir.resolve("metrics.json")));
        Map<String, Object> inf = (Map<String, Object>) m.get("inference");
        Map<String, Object> di = (Map<String, Object>) inf.get("dense"), pi = (Map<String, Object>) inf.get("pruned");
        long total = ((Number) m.get("params_total")).longValue(), nonzero = ((Number) m.get("params_nonzero")).longValue();
        // The prune run could not know the compressed model; now that it exists, the report compares all three.
        Path denseFile = denseDir.resolve("model.safetensors"), prunedFile = prunedDir.resolve("model.safetensors");
        PruneReport.write(prunedDir.resolve("report.html"), m, new PruneReport.Files(Files.size(denseFile), Files.size(prunedFile)), c,
                PruneReport.weights(ModelCheckpoint.load(denseFile).model()), PruneReport.weights(ModelCheckpoint.load(prunedFile).model()));
        System.out.println();
        System.out.printf(Locale.ROOT, "%-9s %9s %14s %12s %16s %18s%n", "model", "accuracy", "nonzero params", "file", "latency batch 1", "batch-64 samples/s");
        row("dense", num(m, "dense_test_accuracy"), total, Files.size(denseDir.resolve("model.safetensors")), di);
        row("pruned", num(m, "test_accuracy"), nonzero, Files.size(prunedDir.resolve("model.safetensors")), pi);
        row("int8 .jpz", num(c, "test_accuracy"), nonzero, ((Number) c.get("compressed_bytes")).longValue(), ci);
        System.out.printf(Locale.ROOT, "speed against the dense model, each timed beside it in interleaved rounds (median of the per-round ratios, min-max):%n"
                + "  pruned    %s at batch 1, %s at batch 64%n  int8 .jpz %s at batch 1, %s at batch 64%n"
                + "(the latencies above come from two runs, prune's and compress's, each with its own dense timing: compare the models by these ratios)%n",
                ratio(pi, "speedup_batch1"), ratio(pi, "speedup_batch64"), ratio(ci, "speedup_batch1"), ratio(ci, "speedup_batch64"));
        System.out.printf(Locale.ROOT, "%nsparsity %.1f%%, accuracy %s after pruning, %s after compression; the compressed file is %.1fx smaller.%n"
                        + "The pruned checkpoint stores zeros densely and runs on dense kernels; the compressed model runs from its sparse int8 form.%n",
                100 * num(m, "sparsity"), Metrics.drop(num(m, "accuracy_drop_points")), Metrics.drop(100 * (num(m, "dense_test_accuracy") - num(c, "test_accuracy"))),
                num(c, "compression_ratio"));
        System.out.println("models and metrics: " + denseDir + ", " + prunedDir + ", " + compressedDir);
        System.out.println("report: " + prunedDir.resolve("report.html"));
        return 0;
    }

    private static void row(String name, double acc, long params, long bytes, Map<String, Object> speed) {
        System.out.printf(Locale.ROOT, "%-9s %8.2f%% %,14d %8.1f KiB %13.3f ms %18.0f%n", name, 100 * acc, params, bytes / 1024.0,
                num(speed, "latency_ms_batch1"), num(speed, "throughput_batch64"));
    }

    /** "1.02x (0.80-1.31)": a speedup and its range from a run's inference metrics, or "not measured". */
    static String ratio(Map<String, Object> speed, String key) {
        if (!(speed.get(key) instanceof Number v)) return "not measured";
        if (!(speed.get(key + "_min") instanceof Number lo) || !(speed.get(key + "_max") instanceof Number hi))
            return String.format(Locale.ROOT, "%.2fx", v.doubleValue());
        return String.format(Locale.ROOT, "%.2fx (%.2f-%.2f)", v.doubleValue(), lo.doubleValue(), hi.doubleValue());
    }

    private static double num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }
}
