package jprune.nn.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.models.ModelConfig;
import jprune.nn.models.Models;
import jprune.tensor.Tensor;

/**
 * A model saved as safetensors: parameters and buffers under their dotted names, and in
 * {@code __metadata__} the format version, the model config (JSON) and any caller metadata
 * (training figures). Loading rebuilds the model from its config and checks every tensor.
 */
public final class ModelCheckpoint {
    public static final String FORMAT_KEY = "jprune_format";
    public static final String FORMAT_VERSION = "1";
    public static final String CONFIG_KEY = "model_config";
    /**
     * Names of masked parameters (JSON list). Masks are not stored as tensors: a masked weight is
     * exactly zero, so the mask is rebuilt as (weight != 0) on load, and a pruned checkpoint is never
     * larger than the dense one. (An unpruned weight that is exactly 0.0 reloads as pruned; training
     * practically never produces one, and it contributes nothing either way.)
     */
    public static final String MASKED_KEY = "masked";

    private ModelCheckpoint() {}

    /** A loaded model with its config and the checkpoint's metadata. */
    public record Loaded(ModelConfig config, Module model, Map<String, String> metadata) {}

    /**
     * Saves model, built from config, with extraMetadata (may be null) beside jprune's own keys. Refuses,
     * before writing, what {@link #load} would reject: a model whose tensors' names or shapes are not
     * those config builds, and extra metadata under {@value #FORMAT_KEY}, {@value #CONFIG_KEY} or
     * {@value #MASKED_KEY}.
     *
     * @throws IllegalArgumentException for such a model or metadata
     */
    public static void save(Path file, ModelConfig config, Module model, Map<String, String> extraMetadata) throws IOException {
        java.util.Objects.requireNonNull(config, "config");
        java.util.Objects.requireNonNull(model, "model");
        if (extraMetadata != null) {
            for (String reserved : java.util.List.of(FORMAT_KEY, CONFIG_KEY, MASKED_KEY))
                if (extraMetadata.containsKey(reserved)) throw new IllegalArgumentException("metadata key '" + reserved + "' is jprune's own; use another name");
        }
        Models.requireBuiltBy(config, model);
        LinkedHashMap<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, FORMAT_VERSION);
        meta.put(CONFIG_KEY, Json.write(config.toMap(), false));
        java.util.List<String> masked = new java.util.ArrayList<>();
        model.namedParameters().forEach((n, p) -> {
            if (p.hasMask()) masked.add(n);
        });
        if (!masked.isEmpty()) meta.put(MASKED_KEY, Json.write(masked, false));
        if (extraMetadata != null) meta.putAll(extraMetadata);
        Safetensors.write(file, model.stateDict(), meta);
    }

    @SuppressWarnings("unchecked")
    public static Loaded load(Path file) throws IOException {
        Checkpoint ckpt = Safetensors.read(file);
        Map<String, String> meta = ckpt.metadata();
        String version = meta.get(FORMAT_KEY);
        if (version == null) throw new CheckpointFormatException(file + ": not a jprune model checkpoint (no '" + FORMAT_KEY + "' in its metadata)");
        if (!FORMAT_VERSION.equals(version))
            throw new CheckpointFormatException(file + ": checkpoint format version " + version + " is not supported (this jprune reads version " + FORMAT_VERSION + ")");
        String cfgJson = meta.get(CONFIG_KEY);
        if (cfgJson == null) throw new CheckpointFormatException(file + ": metadata lacks '" + CONFIG_KEY + "'");
        ModelConfig config;
        Module model;
        try {
            Object parsed = Json.parse(cfgJson);
            if (!(parsed instanceof Map)) throw new IllegalArgumentException("model config is not a JSON object");
            config = ModelConfig.fromMap((Map<String, Object>) parsed);
            model = Models.build(config, 0);
            Map<String, Tensor> tensors = ckpt.tensors();
            model.loadStateDict(tensors, name -> false);
            restoreMasks(model, meta.get(MASKED_KEY));
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage());
        }
        model.train(false);
        return new Loaded(config, model, meta);
    }

    private static void restoreMasks(Module model, String maskedJson) {
        if (maskedJson == null) return;
        if (!(Json.parse(maskedJson) instanceof java.util.List<?> names))
            throw new IllegalArgumentException("metadata '" + MASKED_KEY + "' must be a JSON list of parameter names");
        var params = model.namedParameters();
        for (Object o : names) {
            var p = params.get(String.valueOf(o));
            if (p == null) throw new IllegalArgumentException("metadata '" + MASKED_KEY + "' names '" + o + "', which the model does not have");
            float[] w = p.value().data(), m = new float[w.length];
            for (int i = 0; i < w.length; i++) m[i] = w[i] != 0f ? 1f : 0f;
            p.setMask(Tensor.of(m, p.shape()));
        }
    }
}
