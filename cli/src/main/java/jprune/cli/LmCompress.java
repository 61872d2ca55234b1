package jprune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import jprune.lm.compress.LmCompressor;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.KvCache;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;

/**
 * {@code jprune compress --from HF_DIR}: a (pruned) Hugging Face language model into one whose block
 * projections run from packed formats. Writes the model directory and OUT/metrics.json (next to the
 * model's files), after checking that the written model opens and predicts what the source does.
 */
final class LmCompress {
    private LmCompress() {}

    /** Whether dir is a Hugging Face model directory (it has a config.json) rather than a jprune run. */
    static boolean isLanguageModel(Path dir) {
        // jprune's own runs write no config.json: one that is there, even broken, makes this a language
        // model, so a truncated config.json is reported as such, not as "not a jprune model checkpoint".
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve("config.json"));
    }

    static int run(Path from, String format, boolean int8, boolean int8Head, String layers, double budgetMillis, Path out) throws IOException {
        Pattern pattern = null;
        if (layers != null) {
            try {
                pattern = Pattern.compile(layers);
            } catch (PatternSyntaxException e) {
                throw new UsageException("--layers: not a regular expression: " + e.getDescription());
            }
        }
        LmCompressor.Settings settings;
        try {
            settings = new LmCompressor.Settings(format, int8, int8Head, pattern, budgetMillis);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--format: " + e.getMessage());
        }
        SavedModel.requireOutDiffers(out, from, "--from", "the source's files are read while the output is written");
        SavedModel.requireCheckpointOut(out);
        long start = System.nanoTime();
        List<LmCompressor.Layer> result;
        Map<String, Object> m = new LinkedHashMap<>();
        try (HfCheckpoint src = LmModels.open(from, "--from")) {
            DecoderModel model = DecoderModel.open(src);
            System.err.printf(Locale.ROOT, "compressing %d projections of %s (%s)%n", model.blockProjections().size(), from, format);
            try {
                result = LmCompressor.compress(src, model, settings, out, System.err);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            long denseBlocks = 0, packedBlocks = 0;
            for (LmCompressor.Layer l : result) {
                denseBlocks += l.denseBytes();
                packedBlocks += l.bytes();
            }
            m.put("model", out.toString());
            m.put("source", from.toString());
            m.put("format", format);
            m.put("quantize", int8 ? "int8" : "none");
            m.put("int8_head", int8Head);
            if (layers != null) m.put("layers_pattern", layers);
            m.put("dense_bytes", fileBytes(from));   // file sizes on both sides: tensor data, headers and all
            m.put("compressed_bytes", fileBytes(out));
            m.put("block_dense_bytes", denseBlocks);
            m.put("block_bytes", packedBlocks);
            m.put("block_compression_ratio", (double) denseBlocks / packedBlocks);
            try (HfCheckpoint written = HfCheckpoint.open(out)) {
                double err = logitError(model, DecoderModel.open(written));
                m.put("check_logit_relative_error", err);
                System.err.printf(Locale.ROOT, "check: the written model's logits differ from the source's by %.2e (relative, RMS)%n", err);
            }
        }
        List<Object> rows = new ArrayList<>();
        for (LmCompressor.Layer l : result) rows.add(l.toMap());
        m.put("layers", rows);
        m.put("compress_seconds", (System.nanoTime() - start) / 1e9);
        AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(m, true));
        System.out.printf(Locale.ROOT, "%s: block weights %,d → %,d bytes (%.2fx); model files %,d → %,d bytes; wrote %s%n", from,
                (long) m.get("block_dense_bytes"), (long) m.get("block_bytes"), (double) m.get("block_compression_ratio"),
                (long) m.get("dense_bytes"), (long) m.get("compressed_bytes"), out);
        return 0;
    }

    /** Bytes of the directory's .safetensors files (every shard). */
    private static long fileBytes(Path dir) throws IOException {
        long s = 0;
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) if (p.getFileName().toString().endsWith(".safetensors")) s += Files.size(p);
        }
        return s;
    }

    /** RMS relative difference of the two models' logits over a random 16-token prompt, every position. */
    static double logitError(DecoderModel a, DecoderModel b) {
        int vocab = a.config().vocabSize(), n = Math.min(16, a.config().maxPositions());
        int[] prompt = new SplittableRandom(1).ints(n, 0, vocab).toArray();
        float[] la = new float[n * vocab], lb = new float[n * vocab];
        a.logits(a.forward(prompt, 0, n, new KvCache(a.config(), n)), n, la);
        b.logits(b.forward(prompt, 0, n, new KvCache(b.config(), n)), n, lb);
        double num = 0, den = 0;
        for (int i = 0; i < la.length; i++) {
            num += (double) (la[i] - lb[i]) * (la[i] - lb[i]);
            den += (double) la[i] * la[i];
        }
        return Math.sqrt(num / den);
    }
}
