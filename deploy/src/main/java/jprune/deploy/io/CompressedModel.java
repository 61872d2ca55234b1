package jprune.deploy.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.deploy.SparseSurgery;
import jprune.deploy.format.WeightFormats;
import jprune.deploy.format.WeightMatrix;
import jprune.deploy.quant.Int8Quantizer;
import jprune.deploy.quant.SharedWeights;
import jprune.nn.Module;
import jprune.nn.models.ModelConfig;
import jprune.nn.models.Models;
import jprune.tensor.Tensor;

/**
 * A deployable model file: every tensor of a model stored by {@link TensorCodec} in a
 * {@link CompressedFile}, and for each linear or convolution weight the in-memory format it runs in.
 * Reading builds the model from its config, loads the decoded tensors (shapes and names checked
 * against the model), then swaps every planned layer for one computing from its sparse or quantized
 * matrix ({@link SparseSurgery}); inference never touches a dense copy of those weights.
 */
public final class CompressedModel {
    static final String FORMAT = "jprune-compressed";

    /** How a weight is stored: fp32, int8 per row, or k-means shared weights (given); and the format it runs in. */
    public record WeightPlan(String runtimeFormat, Storage storage, SharedWeights shared, boolean entropy) {
        public WeightPlan {
            if ((storage == Storage.KMEANS) != (shared != null)) throw new IllegalArgumentException("k-means storage needs its shared weights, and only it");
        }

        /** Int8 values run in the int8 variant of the format. */
        public boolean int8Runtime() {
            return storage == Storage.INT8;
        }
    }

    /** Value coding of a stored weight. */
    public enum Storage { F32, INT8, KMEANS }

    /** A model read back: its config, the runnable (inference-only) model, its weight matrices, the manifest's metadata and tensor entries. */
    public record Loaded(ModelConfig config, Module model, Map<String, WeightMatrix> weights, Map<String, Object> metadata, List<Map<String, Object>> tensors) {}

    private CompressedModel() {}

    /**
     * Writes model (weights as planned, everything else fp32) with metadata; returns the file's size in
     * bytes. A planned weight that its runtime format cannot hold (e.g. a dense matrix planned as 2:4)
     * is refused here, before anything is written, rather than making a file {@link #read} rejects.
     *
     * @throws IllegalArgumentException for a model that is not the one config builds (see {@link Models#requireBuiltBy}),
     *     a plan naming a tensor the model lacks or a weight its format cannot hold
     */
    public static long write(Path file, ModelConfig config, Module model, Map<String, WeightPlan> plans, Map<String, Object> metadata) throws IOException {
        LinkedHashMap<String, byte[]> blobs = new LinkedHashMap<>();
        List<Object> tensors = new ArrayList<>();
        Map<String, Tensor> state = model.stateDict();
        Models.requireBuiltBy(config, model);
        for (var e : plans.entrySet()) {
            Tensor t = state.get(e.getKey());
            if (t == null) throw new IllegalArgumentException("plan for '" + e.getKey() + "', which the model does not have");
            requireFits(e.getKey(), t, e.getValue().runtimeFormat());
        }
        for (var e : state.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            WeightPlan plan = plans.get(name);
            Map<String, Object> entry;
            if (plan == null) {
                entry = TensorCodec.encodeF32(name, t.shape(), t.data(), blobs);
            } else {
                int rows = t.size(0), cols = t.numel() / rows;
                entry = switch (plan.storage()) {
                    case F32 -> TensorCodec.encodeF32(name, t.shape(), t.data(), blobs);
                    case INT8 -> TensorCodec.encodeInt8(name, t.shape(), Int8Quantizer.quantize(t.data(), rows, cols), plan.entropy(), blobs);
                    case KMEANS -> TensorCodec.encodeShared(name, t.shape(), plan.shared(), plan.entropy(), blobs);
                };
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("format", plan.runtimeFormat());
                run.put("int8", plan.int8Runtime());
                entry.put("runtime", run);
            }
            tensors.add(entry);
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", FORMAT);
        manifest.put("model_config", config.toMap());
        manifest.put("metadata", metadata);
        manifest.put("tensors", tensors);
        return CompressedFile.write(file, manifest, blobs);
    }

    /**
     * Throws unless weight (a matrix, rows = its first dimension) can be held in format, e.g. is N:M
     * sparse for an N:M format; the message names the weight and the format's reason.
     */
    public static void requireFits(String name, Tensor weight, String format) {
        if (weight.shape().length < 2) throw new IllegalArgumentException("'" + name + "' is not a matrix");
        try {
            WeightFormats.encode(format, weight.data(), weight.size(0), weight.numel() / weight.size(0), false);
        } catch (IllegalArgumentException bad) {
            throw new IllegalArgumentException("'" + name + "' cannot be stored as " + format + ": " + bad.getMessage(), bad);
        }
    }

    /** Reads, verifies and builds the runnable model. */
    @SuppressWarnings("unchecked")
    public static Loaded read(Path file) throws IOException {
        CompressedFile.Contents c = CompressedFile.read(file);
        Map<String, Object> m = c.manifest();
        if (!FORMAT.equals(m.get("format"))) throw new CompressedFormatException(file + ": manifest 'format' is " + m.get("format") + ", expected " + FORMAT);
        if (!(m.get("model_config") instanceof Map<?, ?> cfg)) throw new CompressedFormatException(file + ": manifest lacks 'model_config'");
        if (!(m.get("tensors") instanceof List<?> entries)) throw new CompressedFormatException(file + ": manifest lacks 'tensors'");
        Map<String, Object> metadata = m.get("metadata") instanceof Map<?, ?> md ? (Map<String, Object>) md : Map.of();
        try {
            ModelConfig config = ModelConfig.fromMap((Map<String, Object>) cfg);
            Map<String, Tensor> state = new LinkedHashMap<>();
            Map<String, WeightMatrix> weights = new LinkedHashMap<>();
            List<Map<String, Object>> tensorEntries = new ArrayList<>();
            java.util.Set<String> used = new java.util.HashSet<>();
            for (Object o : entries) {
                if (!(o instanceof Map<?, ?> raw)) throw new CompressedFormatException(file + ": a tensor entry is not an object");
                Map<String, Object> e = (Map<String, Object>) raw;
                TensorCodec.Decoded d;
                try {
                    d = TensorCodec.decode(e, c.blobs(), used);
                } catch (CompressedFormatException ex) {
                    throw new CompressedFormatException(file + ": " + ex.getMessage());
                }
                if (state.put(d.name(), Tensor.of(d.values(), d.shape())) != null) throw new CompressedFormatException(file + ": tensor '" + d.name() + "' appears twice");
                if (e.get("runtime") instanceof Map<?, ?> run) {
                    if (!(run.get("format") instanceof String fmt) || !(run.get("int8") instanceof Boolean int8) || d.shape().length < 2)
                        throw new CompressedFormatException(file + ": tensor '" + d.name() + "' has an invalid 'runtime' entry " + run);
                    int rows = d.shape()[0], cols = d.values().length / rows;
                    weights.put(d.name(), WeightFormats.encode(fmt, d.values(), rows, cols, int8));
                }
                tensorEntries.add(e);
            }
            if (!used.containsAll(c.blobs().keySet())) throw new CompressedFormatException(file + ": the file holds blobs no tensor uses");
            Module model = Models.build(config, 0);
            model.loadStateDict(state, k -> false);
            SparseSurgery.apply(model, weights);
            return new Loaded(config, model, weights, metadata, tensorEntries);
        } catch (IllegalArgumentException e) {
            throw new CompressedFormatException(file + ": " + e.getMessage());
        }
    }
}
