package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune eval}: test accuracy of a saved model. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a saved model on the Fashion-MNIST test set.",
                "Prints the accuracy and writes it to DIR/eval.json (or OUT/metrics.json with --out)."})
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "DIR", description = "Run directory holding model.safetensors or a compressed model.jpz (or the file itself).")
    Path from;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "256", description = "Evaluation batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--out", paramLabel = "DIR", description = "Write OUT/metrics.json instead of FROM/eval.json.")
    Path out;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        if (batch < 1) throw new UsageException("--batch must be >= 1, got " + batch);
        Path file = SavedModel.file(from);
        jprune.nn.Module model;
        jprune.nn.models.ModelConfig config;
        long params, nonzero;
        if (SavedModel.isCompressed(file)) {
            var loaded = jprune.deploy.io.CompressedModel.read(file);
            model = loaded.model();
            config = loaded.config();
            // The swapped-in layers keep weight and bias outside the parameter list, the weight in a format
            // whose stored count may include explicit zeros: the nonzeros are counted from the values.
            params = jprune.nn.models.Models.build(config, 0).parameterCount();
            nonzero = nonzeros(model);
            for (jprune.nn.Module layer : model.namedModules().values()) {
                if (layer instanceof jprune.deploy.SparseLinear l) nonzero += nonzeros(l.weight().toDense()) + nonzeros(l.bias());
                else if (layer instanceof jprune.deploy.SparseConv2d c) nonzero += nonzeros(c.weight().toDense()) + nonzeros(c.bias());
            }
        } else {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(file);
            model = loaded.model();
            config = loaded.config();
            params = model.parameterCount();
            nonzero = nonzeros(model);
        }
        Data.Splits data = common.load(0);
        long start = System.nanoTime();
        double acc = Trainer.accuracy(model, data.test(), batch);
        double secs = (System.nanoTime() - start) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", config.name());
        m.put("dataset", Data.FASHION_MNIST);
        m.put("checkpoint", file.toString());
        m.put("test_accuracy", acc);
        m.put("test_samples", data.test().count());
        m.put("eval_seconds", secs);
        m.put("params_total", params);
        m.put("params_nonzero", nonzero);
        m.put("file_bytes", Files.size(file));
        Path target = out != null ? out.resolve("metrics.json") : (Files.isDirectory(from) ? from : file.getParent()).resolve("eval.json");
        AtomicFiles.writeString(target, Json.write(m, true));
        System.out.printf(java.util.Locale.ROOT, "%s: test accuracy %.2f%% (%d images, %.2f s); wrote %s%n",
                config.name(), 100 * acc, data.test().count(), secs, target);
        return 0;
    }

    /** Nonzero entries of the model's parameters (weights and biases). */
    private static long nonzeros(jprune.nn.Module model) {
        long n = 0;
        for (var p : model.namedParameters().values()) n += nonzeros(p.value().data());
        return n;
    }

    private static long nonzeros(float[] values) {
        long n = 0;
        if (values != null) for (float v : values) if (v != 0f) n++;
        return n;
    }
}
