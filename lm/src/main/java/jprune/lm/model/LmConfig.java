package jprune.lm.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The shape and numerics of a decoder-only language model, read from a Hugging Face
 * {@code config.json}. Fields that define the shape are required; fields transformers defaults
 * (norm eps, rope theta, biases, tying) take transformers' defaults for that model type. Anything
 * the forward cannot honour (an unknown model type, an unsupported activation or rope scaling) is
 * rejected with a one-line message naming the field and what is supported.
 */
public record LmConfig(
        Family family,
        String modelType,
        int vocabSize,
        int hiddenSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int intermediateSize,
        int maxPositions,
        double normEps,
        String activation,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        boolean tiedEmbeddings,
        Integer bosTokenId,
        Integer eosTokenId,
        LayerSizes layerSizes) {

    /** The two layouts jprune computes. */
    public enum Family { GPT2, LLAMA }

    /** model_type values jprune reads, and the family each one computes as. */
    public static final Map<String, Family> SUPPORTED = Map.of("gpt2", Family.GPT2, "llama", Family.LLAMA,
            "qwen2", Family.LLAMA, "mistral", Family.LLAMA);

    /** Llama-3's frequency-dependent rope scaling, or linear position interpolation (factor only). */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {}

    /** Extra config.json keys jprune writes for what Hugging Face's config cannot express (docs/lm-structured-pruning.md). */
    public static final String LAYER_HEADS = "jprune_layer_heads", LAYER_KV_HEADS = "jprune_layer_kv_heads",
            LAYER_INTERMEDIATE = "jprune_layer_intermediate", HEAD_DIM = "jprune_head_dim";
    static final List<String> EXTRA_KEYS = List.of(LAYER_HEADS, LAYER_KV_HEADS, LAYER_INTERMEDIATE, HEAD_DIM);

    /**
     * Attention heads, key/value heads and MLP width of every block. A model straight from Hugging Face
     * has the same sizes in every block; structured pruning can leave them uneven.
     */
    public record LayerSizes(int[] heads, int[] kvHeads, int[] intermediate) {
        public LayerSizes {
            heads = heads.clone();
            kvHeads = kvHeads.clone();
            intermediate = intermediate.clone();
            if (heads.length != kvHeads.length || heads.length != intermediate.length)
                throw new IllegalArgumentException("per-layer sizes: " + heads.length + " head counts, " + kvHeads.length + " key/value head counts, "
                        + intermediate.length + " MLP widths");
        }

        /** Every block alike. */
        public static LayerSizes uniform(int layers, int heads, int kvHeads, int intermediate) {
            int[] h = new int[layers], kv = new int[layers], f = new int[layers];
            java.util.Arrays.fill(h, heads);
            java.util.Arrays.fill(kv, kvHeads);
            java.util.Arrays.fill(f, intermediate);
            return new LayerSizes(h, kv, f);
        }

        public int layers() {
            return heads.length;
        }

        @Override
        public int[] heads() {
            return heads.clone();
        }

        @Override
        public int[] kvHeads() {
            return kvHeads.clone();
        }

        @Override
        public int[] intermediate() {
            return intermediate.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LayerSizes s && java.util.Arrays.equals(heads, s.heads) && java.util.Arrays.equals(kvHeads, s.kvHeads)
                    && java.util.Arrays.equals(intermediate, s.intermediate);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(java.util.Arrays.hashCode(heads), java.util.Arrays.hashCode(kvHeads), java.util.Arrays.hashCode(intermediate));
        }

        @Override
        public String toString() {
            return "LayerSizes[heads=" + java.util.Arrays.toString(heads) + ", kvHeads=" + java.util.Arrays.toString(kvHeads)
                    + ", intermediate=" + java.util.Arrays.toString(intermediate) + "]";
        }
    }

    public LmConfig {
        if (layerSizes == null) layerSizes = LayerSizes.uniform(layers, heads, kvHeads, intermediateSize);
        if (layerSizes.layers() != layers)
            throw new IllegalArgumentException("config: " + layerSizes.layers() + " per-layer sizes for " + layers + " layers");
        for (int l = 0; l < layers; l++) {
            int h = layerSizes.heads[l], kv = layerSizes.kvHeads[l], f = layerSizes.intermediate[l];
            if (h < 1 || kv < 1 || f < 1)
                throw new IllegalArgumentException("config: layer " + l + " has " + h + " heads, " + kv + " key/value heads, MLP width " + f + "; each must be >= 1");
            if (h % kv != 0)
                throw new IllegalArgumentException("config: layer " + l + " has " + h + " heads, not a multiple of its " + kv + " key/value heads");
            if (family == Family.GPT2 && kv != h) throw new IllegalArgumentException("config: gpt2 has no grouped-query attention (layer " + l + ")");
        }
        if (hiddenSize < 1 || layers < 1 || heads < 1 || kvHeads < 1 || headDim < 1 || vocabSize < 1 || intermediateSize < 1 || maxPositions < 1)
            throw new IllegalArgumentException("config sizes must be positive");
        if (heads % kvHeads != 0) throw new IllegalArgumentException("config: num_attention_heads (" + heads + ") must be a multiple of num_key_value_heads (" + kvHeads + ")");
        if (headDim % 2 != 0 && family == Family.LLAMA) throw new IllegalArgumentException("config: rotary head dimension must be even, got " + headDim);
    }

    /** Parses config.json's map; errors name the field. */
    public static LmConfig fromJson(Map<String, Object> json) {
        Object type = json.get("model_type");
        if (!(type instanceof String modelType)) throw new IllegalArgumentException("config.json has no model_type; supported: " + supportedTypes());
        Family family = SUPPORTED.get(modelType);
        if (family == null) throw new IllegalArgumentException("config.json: model_type '" + modelType + "' is not supported; supported: " + supportedTypes());
        return family == Family.GPT2 ? gpt2(json) : llama(json, modelType);
    }

    static String supportedTypes() {
        return String.join(", ", new java.util.TreeSet<>(SUPPORTED.keySet()));
    }

    private static LmConfig gpt2(Map<String, Object> j) {
        int dim = req(j, "n_embd"), heads = req(j, "n_head");
        // A pruned residual stream or fewer heads leave n_embd / n_head wrong; jprune_head_dim then gives the head size.
        Integer explicitHeadDim = LayerSizeKeys.gpt2HeadDim(j);
        if (explicitHeadDim == null && dim % heads != 0)
            throw new IllegalArgumentException("config.json: n_embd (" + dim + ") is not divisible by n_head (" + heads + ")");
        int headDim = explicitHeadDim != null ? explicitHeadDim : dim / heads;
        Integer inner = opt(j, "n_inner");
        String act = str(j, "activation_function", "gelu_new");
        if (!List.of("gelu_new", "gelu_pytorch_tanh", "gelu", "relu").contains(act))
            throw new IllegalArgumentException("config.json: activation_function '" + act + "' is not supported; supported: gelu_new, gelu_pytorch_tanh, gelu, relu");
        if (bool(j, "scale_attn_by_inverse_layer_idx", false))
            throw new IllegalArgumentException("config.json: scale_attn_by_inverse_layer_idx = true is not supported");
        if (!bool(j, "scale_attn_weights", true)) throw new IllegalArgumentException("config.json: scale_attn_weights = false is not supported");
        if (bool(j, "add_cross_attention", false)) throw new IllegalArgumentException("config.json: add_cross_attention = true is not supported (decoder-only models)");
        int layers = req(j, "n_layer"), f = inner == null ? 4 * dim : inner;
        LayerSizes sizes = LayerSizeKeys.read(j, Family.GPT2, layers, heads, heads, headDim, f);
        return new LmConfig(Family.GPT2, "gpt2", req(j, "vocab_size"), dim, layers, heads, heads, headDim,
                f, req(j, "n_positions"), dbl(j, "layer_norm_epsilon", 1e-5), act, 0, null,
                true, true, true, bool(j, "tie_word_embeddings", true), opt(j, "bos_token_id"), opt(j, "eos_token_id"), sizes);
    }

    private static LmConfig llama(Map<String, Object> j, String modelType) {
        int dim = req(j, "hidden_size"), heads = req(j, "num_attention_heads");
        Integer kv = opt(j, "num_key_value_heads");
        // Qwen2Config defaults the KV heads to 32 (Qwen2-7B's), not to the attention heads: guessing either would be wrong.
        if (kv == null && modelType.equals("qwen2")) throw new IllegalArgumentException("config.json has no num_key_value_heads");
        // transformers v5 writes rope_theta and rope_scaling inside one rope_parameters object.
        Object ropeParams = j.get("rope_parameters");
        double theta = dbl(j, "rope_theta", 10000.0);
        Object scaling = j.get("rope_scaling");
        if (ropeParams instanceof Map<?, ?> rp) {
            if (rp.get("rope_theta") instanceof Number n) theta = n.doubleValue();
            scaling = rp;
        }
        Integer headDim = opt(j, "head_dim");
        if (headDim == null && dim % heads != 0)
            throw new IllegalArgumentException("config.json: hidden_size (" + dim + ") is not divisible by num_attention_heads (" + heads + ") and head_dim is not given");
        String act = str(j, "hidden_act", "silu");
        if (!act.equals("silu")) throw new IllegalArgumentException("config.json: hidden_act '" + act + "' is not supported; supported: silu");
        boolean qwen = modelType.equals("qwen2");
        if (qwen && bool(j, "use_sliding_window", false)) throw new IllegalArgumentException("config.json: use_sliding_window = true is not supported");
        if (modelType.equals("mistral") && j.get("sliding_window") != null)
            throw new IllegalArgumentException("config.json: sliding_window attention is not supported (set sliding_window to null)");
        boolean attentionBias = qwen || bool(j, "attention_bias", false);
        boolean tiedDefault = false;
        int layers = req(j, "num_hidden_layers"), kvHeads = kv == null ? heads : kv, hd = headDim == null ? dim / heads : headDim;
        int f = req(j, "intermediate_size");
        LayerSizes sizes = LayerSizeKeys.read(j, Family.LLAMA, layers, heads, kvHeads, hd, f);
        return new LmConfig(Family.LLAMA, modelType, req(j, "vocab_size"), dim, layers, heads, kvHeads,
                hd, f, req(j, "max_position_embeddings"),
                dbl(j, "rms_norm_eps", 1e-6), act, theta, ropeScaling(scaling),
                attentionBias, !qwen && bool(j, "attention_bias", false), !qwen && bool(j, "mlp_bias", false),
                bool(j, "tie_word_embeddings", tiedDefault), opt(j, "bos_token_id"), opt(j, "eos_token_id"), sizes);
    }

    private static RopeScaling ropeScaling(Object v) {
        if (v == null) return null;
        if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException("config.json: rope_scaling must be an object or null");
        @SuppressWarnings("unchecked") Map<String, Object> s = (Map<String, Object>) m;
        String type = s.get("rope_type") instanceof String t ? t : s.get("type") instanceof String t2 ? t2 : null;
        if (type == null) throw new IllegalArgumentException("config.json: rope_scaling has no rope_type");
        return switch (type) {
            case "default" -> null;
            case "linear" -> new RopeScaling("linear", dblReq(s, "factor", "rope_scaling.factor"), 0, 0, 0);
            case "llama3" -> new RopeScaling("llama3", dblReq(s, "factor", "rope_scaling.factor"), dblReq(s, "low_freq_factor", "rope_scaling.low_freq_factor"),
                    dblReq(s, "high_freq_factor", "rope_scaling.high_freq_factor"),
                    (int) dblReq(s, "original_max_position_embeddings", "rope_scaling.original_max_position_embeddings"));
            default -> throw new IllegalArgumentException("config.json: rope_scaling type '" + type + "' is not supported; supported: default, linear, llama3");
        };
    }

    /** The config as Hugging Face writes it for this model type (for checkpoints jprune creates). */
    public Map<String, Object> toJson(String torchDtype) {
        Map<String, Object> j = new LinkedHashMap<>();
        if (family == Family.GPT2) {
            j.put("activation_function", activation);
            j.put("architectures", List.of("GPT2LMHeadModel"));
            if (bosTokenId != null) j.put("bos_token_id", bosTokenId);
            if (eosTokenId != null) j.put("eos_token_id", eosTokenId);
            j.put("layer_norm_epsilon", normEps);
            j.put("model_type", "gpt2");
            j.put("n_embd", hiddenSize);
            j.put("n_head", heads);
            j.put("n_inner", intermediateSize);
            j.put("n_layer", layers);
            j.put("n_positions", maxPositions);
            j.put("tie_word_embeddings", tiedEmbeddings);
            j.put("torch_dtype", torchDtype);
            j.put("vocab_size", vocabSize);
        } else {
            j.put("architectures", List.of(switch (modelType) {
                case "qwen2" -> "Qwen2ForCausalLM";
                case "mistral" -> "MistralForCausalLM";
                default -> "LlamaForCausalLM";
            }));
            if (!modelType.equals("qwen2")) j.put("attention_bias", qkvBias);
            if (bosTokenId != null) j.put("bos_token_id", bosTokenId);
            if (eosTokenId != null) j.put("eos_token_id", eosTokenId);
            j.put("head_dim", headDim);
            j.put("hidden_act", activation);
            j.put("hidden_size", hiddenSize);
            j.put("intermediate_size", intermediateSize);
            j.put("max_position_embeddings", maxPositions);
            if (modelType.equals("llama")) j.put("mlp_bias", mlpBias);
            j.put("model_type", modelType);
            j.put("num_attention_heads", heads);
            j.put("num_hidden_layers", layers);
            j.put("num_key_value_heads", kvHeads);
            j.put("rms_norm_eps", normEps);
            if (ropeScaling == null) j.put("rope_scaling", null);
            else if (ropeScaling.type().equals("linear")) j.put("rope_scaling", Map.of("rope_type", "linear", "factor", ropeScaling.factor()));
            else j.put("rope_scaling", Map.of("rope_type", "llama3", "factor", ropeScaling.factor(), "low_freq_factor", ropeScaling.lowFreqFactor(),
                        "high_freq_factor", ropeScaling.highFreqFactor(), "original_max_position_embeddings", ropeScaling.originalMaxPositions()));
            j.put("rope_theta", ropeTheta);
            j.put("tie_word_embeddings", tiedEmbeddings);
            j.put("torch_dtype", torchDtype);
            j.put("vocab_size", vocabSize);
        }
        writeShape(j);
        return j;
    }

    /**
     * Puts this config's block count, head counts and MLP widths into a config.json map (other keys are
     * left as they are): Hugging Face's own keys where they can express them, the documented
     * {@code jprune_} keys where blocks differ or (GPT-2) a head count changed, and no stale ones.
     */
    public void writeShape(Map<String, Object> json) {
        LayerSizeKeys.write(this, json);
    }

    /** Attention heads of block l. */
    public int heads(int l) {
        return layerSizes.heads[l];
    }

    /** Key/value heads of block l. */
    public int kvHeads(int l) {
        return layerSizes.kvHeads[l];
    }

    /** MLP width of block l. */
    public int intermediateSize(int l) {
        return layerSizes.intermediate[l];
    }

    /** Whether every block has the heads, key/value heads and MLP width of the scalar fields. */
    public boolean uniform() {
        for (int l = 0; l < layers; l++)
            if (heads(l) != heads || kvHeads(l) != kvHeads || intermediateSize(l) != intermediateSize) return false;
        return true;
    }

    /**
     * This config with other blocks: one entry per block of heads, key/value heads and MLP width. The
     * scalar fields take the blocks' common value where they agree (GPT-2's n_head stays, as it fixes
     * the head size), else keep this config's.
     */
    public LmConfig withLayerSizes(LayerSizes sizes) {
        int n = sizes.layers();
        int h = family == Family.LLAMA ? common(sizes.heads, heads) : heads;
        int kv = family == Family.LLAMA ? common(sizes.kvHeads, kvHeads) : kvHeads;
        if (h % kv != 0) {
            h = heads;
            kv = kvHeads;
        }
        return new LmConfig(family, modelType, vocabSize, hiddenSize, n, h, kv, headDim, common(sizes.intermediate, intermediateSize), maxPositions,
                normEps, activation, ropeTheta, ropeScaling, qkvBias, outputBias, mlpBias, tiedEmbeddings, bosTokenId, eosTokenId, sizes);
    }

    /**
     * This config with a narrower residual stream of hiddenSize dimensions and norm epsilon normEps
     * (structured pruning of the hidden width rescales RMSNorm's epsilon); head size and blocks stay.
     */
    public LmConfig withHidden(int hiddenSize, double normEps) {
        return new LmConfig(family, modelType, vocabSize, hiddenSize, layers, heads, kvHeads, headDim, intermediateSize, maxPositions,
                normEps, activation, ropeTheta, ropeScaling, qkvBias, outputBias, mlpBias, tiedEmbeddings, bosTokenId, eosTokenId, layerSizes);
    }

    private static int common(int[] values, int otherwise) {
        for (int v : values) if (v != values[0]) return otherwise;
        return values.length == 0 ? otherwise : values[0];
    }

    /** Number of parameters (embeddings counted once when tied). */
    public long parameterCount() {
        long d = hiddenSize, blocks = 0;
        for (int l = 0; l < layers; l++) {
            long q = (long) heads(l) * headDim, kv = (long) kvHeads(l) * headDim, f = intermediateSize(l);
            if (family == Family.GPT2) {
                blocks += 4 * d + d * (q + 2 * kv) + (q + 2 * kv) + q * d + d + d * f + f + f * d + d;
            } else {
                blocks += 2 * d + d * (q + 2 * kv) + (qkvBias ? q + 2 * kv : 0) + q * d + (outputBias ? d : 0) + 3 * d * f + (mlpBias ? 2 * f + d : 0);
            }
        }
        long embed = (long) vocabSize * d + (family == Family.GPT2 ? (long) maxPositions * d : 0);
        long head = tiedEmbeddings ? 0 : (long) vocabSize * d;
        long finalNorm = family == Family.GPT2 ? 2 * d : d;
        return embed + blocks + finalNorm + head;
    }

    static int req(Map<String, Object> j, String field) {
        Object v = j.get(field);
        if (v == null) throw new IllegalArgumentException("config.json has no " + field);
        Long l = integral(v);
        if (l == null || l < 1 || l > Integer.MAX_VALUE)
            throw new IllegalArgumentException("config.json: " + field + " must be a positive integer, got " + v);
        return (int) (long) l;
    }

    private static Integer opt(Map<String, Object> j, String field) {
        Object v = j.get(field);
        if (v == null) return null;
        if (v instanceof List<?> list && !list.isEmpty()) v = list.get(0);
        Long l = integral(v);
        if (l == null || l < 0 || l > Integer.MAX_VALUE)
            throw new IllegalArgumentException("config.json: " + field + " must be a non-negative integer, got " + v);
        return (int) (long) l;
    }

    /** v as a long when it is an integer (JSON numbers parse as Long; maps built in code hold Integer). */
    static Long integral(Object v) {
        if (v instanceof Long l) return l;
        if (v instanceof Integer i) return (long) i;
        return null;
    }

    private static double dbl(Map<String, Object> j, String field, double dflt) {
        Object v = j.get(field);
        if (v == null) return dflt;
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("config.json: " + field + " must be a number, got " + v);
    }

    private static double dblReq(Map<String, Object> j, String field, String fullName) {
        double d = dbl(j, field, Double.NaN);
        if (Double.isNaN(d)) throw new IllegalArgumentException("config.json has no " + fullName);
        return d;
    }

    private static boolean bool(Map<String, Object> j, String field, boolean dflt) {
        Object v = j.get(field);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException("config.json: " + field + " must be true or false, got " + v);
    }

    private static String str(Map<String, Object> j, String field, String dflt) {
        Object v = j.get(field);
        if (v == null) return dflt;
        return String.valueOf(v).toLowerCase(Locale.ROOT);
    }
}
