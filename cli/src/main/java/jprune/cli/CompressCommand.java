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
import jprune.deploy.format.WeightFormats;
import jprune.deploy.io.CompressedModel;
import jprune.deploy.quant.CentroidFineTuner;
import jprune.deploy.quant.KMeansQuantizer;
import jprune.deploy.quant.SharedWeights;
import jprune.nn.Module;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import jprune.prune.InferenceComparison;
import jprune.prune.InferenceTiming;
import jprune.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jprune compress}: a pruned checkpoint into a deployable compressed model that runs from its compressed form. */
@Command(name = "compress", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Turn a pruned checkpoint into a compressed model (OUT/model.jpz, format in docs/compressed-format.md) that runs",
                "inference straight from its sparse or quantized form, choosing each layer's format by timing the candidates here.",
                "Writes OUT/model.jpz and OUT/metrics.json; 'jprune eval --from OUT' runs it.",
                "Given a Hugging Face language model directory (--from DIR holding config.json), packs the projections inside its",
                "transformer blocks instead (docs/lm-compressed-format.md) and writes OUT as a model directory that 'jprune lm eval',",
                "'lm bench' and 'lm generate' run; --quantize none|int8, --format, --int8-head and --layers apply."})
final class CompressCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Options a language model's compression has no use for: given with one, they are an error, not ignored. */
    private static final List<String> IMAGE_MODEL_FLAGS = List.of("--bits", "--finetune-epochs", "--lr", "--entropy", "--optimize",
            "--train-limit", "--seed", "--data", "--test-limit");

    @Option(names = "--from", required = true, paramLabel = "DIR", description = "Run directory holding the pruned model.safetensors (or the file), or a Hugging Face language model directory.")
    Path from;

    @Option(names = "--quantize", paramLabel = "Q", defaultValue = "none", description = "none (fp32 values), int8 (symmetric per output channel) or kmeans (weight sharing, --bits). Default: ${DEFAULT-VALUE}.")
    String quantize;

    @Option(names = "--bits", paramLabel = "B", defaultValue = "5", description = "k-means: 2^B centroids per layer, B in [2, 8]. Default: ${DEFAULT-VALUE}.")
    int bits;

    @Option(names = "--finetune-epochs", paramLabel = "E", defaultValue = "2", description = "k-means: epochs of centroid fine-tuning (0 = none). Default: ${DEFAULT-VALUE}.")
    int finetuneEpochs;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "0.001", description = "k-means: centroid fine-tuning learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--entropy", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Huffman-code int8 values and k-means codes (positions are always coded). Default: on; --no-entropy stores them packed.")
    boolean entropy;

    @Option(names = "--format", paramLabel = "F", defaultValue = "auto", description = "auto (time the candidates, per layer), or one of dense, csr, bitmask, sell, N:M (e.g. 2:4), blockRxC (e.g. block4x4) for every layer. Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--optimize", paramLabel = "G", defaultValue = "latency", description = "What auto minimises: latency (batch 1) or throughput (batch 64). Default: ${DEFAULT-VALUE}.")
    String optimize;

    @Option(names = "--train-limit", paramLabel = "N", defaultValue = "0", description = "k-means fine-tuning: use only the first N training images (0 = all).")
    int trainLimit;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed for fine-tuning shuffles. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--int8-head", description = "Language models: store the output head (lm_head, or the tied embedding's copy) as int8 too.")
    boolean int8Head;

    @Option(names = "--layers", paramLabel = "REGEX", description = "Language models: pack only the block projections whose name matches (find, not whole match).")
    String layers;

    @Option(names = "--budget-ms", paramLabel = "MS", defaultValue = "60", description = "Language models, --format auto: milliseconds of timing per candidate format and layer. Default: ${DEFAULT-VALUE}.")
    double budgetMillis;

    @Mixin
    CommonOptions common;

    static final List<String> QUANTIZE = List.of("none", "int8", "kmeans");

    @Override
    public Integer call() throws Exception {
        common.apply();
        if (!QUANTIZE.contains(quantize)) throw new UsageException("--quantize must be one of " + QUANTIZE + ", got '" + quantize + "'");
        if (bits < 2 || bits > 8) throw new UsageException("--bits must be in [2, 8], got " + bits);
        if (finetuneEpochs < 0) throw new UsageException("--finetune-epochs must be >= 0, got " + finetuneEpochs);
        if (!(lr > 0)) throw new UsageException("--lr must be > 0, got " + lr);
        if (trainLimit < 0) throw new UsageException("--train-limit must be >= 0, got " + trainLimit);
        if (!List.of("latency", "throughput").contains(optimize)) throw new UsageException("--optimize must be latency or throughput, got '" + optimize + "'");
        if (!format.equals("auto")) {
            try {
                WeightFormats.encode(format, new float[] {1f}, 1, 1, false);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--format: " + e.getMessage());
            }
        }
        if (!(budgetMillis > 0)) throw new UsageException("--budget-ms must be > 0, got " + budgetMillis);
        if (LmCompress.isLanguageModel(from)) {
            if (quantize.equals("kmeans")) throw new UsageException("--quantize kmeans is for jprune's own models; a language model takes none or int8");
            var given = spec.commandLine().getParseResult();
            for (String flag : IMAGE_MODEL_FLAGS)
                if (given.hasMatchedOption(flag))
                    throw new UsageException((flag.equals("--entropy") ? "--[no-]entropy" : flag)
                            + " applies to jprune's own image models, not to a language model (a --from directory with config.json)");
            return LmCompress.run(from, format, quantize.equals("int8"), int8Head, layers, budgetMillis, out);
        }
        if (int8Head || layers != null) throw new UsageException("--int8-head and --layers apply to language models (a --from directory with config.json)");
        Path source = SavedModel.checkpoint(from);
        ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(source);
        Module model = loaded.model();
        if (!format.equals("auto")) {
            // Before minutes of k-means fine-tuning: every weight must fit the one format asked for.
            for (var w : jprune.prune.Prunable.weights(model).entrySet()) {
                try {
                    CompressedModel.requireFits(w.getKey(), w.getValue().value(), format);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--format: " + e.getMessage());
                }
            }
        }
        Data.Splits data = common.load(trainLimit);
        Files.createDirectories(out);
        long start = System.nanoTime();
        double denseAcc = Trainer.accuracy(model, data.test(), 256);
        int[] densePredictions = predictions(model, data);

        Map<String, SharedWeights> shared = Map.of();
        if (quantize.equals("kmeans")) {
            CentroidFineTuner tuner = CentroidFineTuner.forModel(model, new KMeansQuantizer(bits), 1.0);
            if (finetuneEpochs > 0) {
                TrainConfig cfg = TrainConfig.builder().epochs(finetuneEpochs).batchSize(128).lr(lr).optimizer("sgd").schedule("cosine").momentum(0.9)
                        .nesterov(true).weightDecay(0).seed(seed).build();
                System.err.printf(Locale.ROOT, "fine-tuning %d-bit centroids for %s%n", bits, Metrics.plural(finetuneEpochs, "epoch"));
                tuner.fit(model, cfg, data.train(), data.test(), new ProgressBar(System.err, finetuneEpochs));
            }
            shared = tuner.sharedWeights();
            model.train(false);
        }
        CompressedModel.Storage storage = switch (quantize) {
            case "int8" -> CompressedModel.Storage.INT8;
            case "kmeans" -> CompressedModel.Storage.KMEANS;
            default -> CompressedModel.Storage.F32;
        };
        CompressionPlanner planner = new CompressionPlanner(storage, entropy, format,
                optimize.equals("latency") ? FormatChooser.Goal.LATENCY : FormatChooser.Goal.THROUGHPUT, 64);
        CompressionPlanner.Plan plan = planner.plan(model, shared, sample(data), System.err);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("source", source.toString());
        meta.put("quantize", quantize);
        if (quantize.equals("kmeans")) meta.put("bits", bits);
        meta.put("entropy", entropy);
        Path file = out.resolve("model.jpz");
        long compressedBytes = CompressedModel.write(file, loaded.config(), model, plan.weights(), meta);

        // Everything below runs the file as written, not the in-memory model.
        CompressedModel.Loaded deployed = CompressedModel.read(file);
        double acc = Trainer.accuracy(deployed.model(), data.test(), 256);
        int[] compressedPredictions = predictions(deployed.model(), data);
        int agree = 0;
        for (int i = 0; i < densePredictions.length; i++) if (densePredictions[i] == compressedPredictions[i]) agree++;
        Map<String, Module> forms = new LinkedHashMap<>();
        forms.put("dense", loaded.model());
        forms.put("compressed", deployed.model());
        List<InferenceComparison.Side> speeds = InferenceComparison.measure(forms, data.test(), 1000);
        InferenceTiming denseSpeed = speeds.get(0).timing(), compressedSpeed = speeds.get(1).timing();
        long denseBytes = Files.size(source);

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", loaded.config().name());
        m.put("dataset", Data.FASHION_MNIST);
        m.put("source", source.toString());
        m.put("quantize", quantize);
        if (quantize.equals("kmeans")) {
            m.put("bits", bits);
            m.put("finetune_epochs", finetuneEpochs);
        }
        m.put("entropy", entropy);
        m.put("dense_bytes", denseBytes);
        m.put("compressed_bytes", compressedBytes);
        m.put("compression_ratio", (double) denseBytes / compressedBytes);
        m.put("dense_test_accuracy", denseAcc);
        m.put("test_accuracy", acc);
        m.put("accuracy_drop_points", 100 * (denseAcc - acc));
        m.put("prediction_agreement", (double) agree / densePredictions.length);
        Map<String, Object> inference = new LinkedHashMap<>();
        inference.put("dense", speeds.get(0).toMap());
        inference.put("compressed", speeds.get(1).toMap());
        m.put("inference", inference);
        m.put("layers", plan.layers());
        m.put("compress_seconds", (System.nanoTime() - start) / 1e9);
        AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(m, true));
        System.out.printf(Locale.ROOT, "%s: %,d → %,d bytes (%.1fx), test accuracy %.2f%% (masked dense %.2f%%, %.2f%% same predictions); batch-1 latency %.3f → %.3f ms; wrote %s%n",
                loaded.config().name(), denseBytes, compressedBytes, (double) denseBytes / compressedBytes, 100 * acc, 100 * denseAcc,
                100.0 * agree / densePredictions.length, denseSpeed.latencyMsBatch1(), compressedSpeed.latencyMsBatch1(), file);
        return 0;
    }

    /** The first test image, [1, C, H, W]. */
    static Tensor sample(Data.Splits data) {
        return data.test().batch(0, 1);
    }

    /** Predicted class of every test image. */
    static int[] predictions(Module model, Data.Splits data) {
        var test = data.test();
        int n = test.count(), sz = test.imageSize(), batch = 256;
        int[] out = new int[n];
        model.train(false);
        try (var g = GradMode.noGrad()) {
            for (int b0 = 0; b0 < n; b0 += batch) {
                int b1 = Math.min(n, b0 + batch);
                float[] x = java.util.Arrays.copyOfRange(test.images(), b0 * sz, b1 * sz);
                float[] logits = model.forward(Variable.constant(Tensor.of(x, b1 - b0, test.channels(), test.height(), test.width()))).value().data();
                int classes = logits.length / (b1 - b0);
                for (int i = 0; i < b1 - b0; i++) {
                    int best = 0;
                    for (int c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
                    out[b0 + i] = best;
                }
            }
        }
        return out;
    }

}
