package jprune.lm.train;

import java.util.LinkedHashMap;
import java.util.Map;
import jprune.lm.model.LmConfig;

/**
 * The shape of a model to train from scratch, as {@code jprune lm train}'s flags give it; {@link
 * #config} turns it into the Hugging Face config once the tokenizer fixes the vocabulary. The
 * context (GPT-2's n_positions, Llama's max_position_embeddings) is the training sequence length.
 */
public record LmArchitecture(String arch, int layers, int dim, int heads, int kvHeads, int intermediate, boolean tied, int seqlen) {
    public LmArchitecture {
        if (!arch.equals("gpt2") && !arch.equals("llama")) throw new IllegalArgumentException("--arch must be gpt2 or llama, got " + arch);
        if (layers < 1) throw new IllegalArgumentException("--layers must be >= 1, got " + layers);
        if (dim < 2) throw new IllegalArgumentException("--dim must be >= 2, got " + dim);
        if (heads < 1 || dim % heads != 0) throw new IllegalArgumentException("--heads must be >= 1 and divide --dim (" + dim + "), got " + heads);
        if (kvHeads < 1 || heads % kvHeads != 0) throw new IllegalArgumentException("--kv-heads must be >= 1 and divide --heads (" + heads + "), got " + kvHeads);
        if (arch.equals("gpt2") && kvHeads != heads) throw new IllegalArgumentException("--kv-heads: gpt2 has no grouped-query attention (leave it out or equal to --heads)");
        if (arch.equals("llama") && (dim / heads) % 2 != 0) throw new IllegalArgumentException("--dim / --heads must be even for llama's rotary embedding, got " + dim / heads);
        if (intermediate < 1) throw new IllegalArgumentException("--intermediate must be >= 1, got " + intermediate);
        if (seqlen < 2) throw new IllegalArgumentException("--seqlen must be >= 2, got " + seqlen);
    }

    /**
     * The MLP width when not given: 4·dim for GPT-2; for Llama ⅔ of that (so SwiGLU's three matrices
     * hold as many weights as GPT-2's two), rounded up to a multiple of 64.
     */
    public static int defaultIntermediate(String arch, int dim) {
        return arch.equals("llama") ? (8 * dim / 3 + 63) / 64 * 64 : 4 * dim;
    }

    /** The config for a vocabulary of the given size; bos/eos name the tokenizer's end-of-text id when it has one (else null). */
    public LmConfig config(int vocabSize, Integer endOfText) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model_type", arch);
        j.put("vocab_size", vocabSize);
        j.put("tie_word_embeddings", tied);
        if (endOfText != null) {
            j.put("bos_token_id", endOfText);
            j.put("eos_token_id", endOfText);
        }
        if (arch.equals("gpt2")) {
            j.put("n_embd", dim);
            j.put("n_head", heads);
            j.put("n_layer", layers);
            j.put("n_inner", intermediate);
            j.put("n_positions", seqlen);
        } else {
            j.put("hidden_size", dim);
            j.put("num_attention_heads", heads);
            j.put("num_key_value_heads", kvHeads);
            j.put("num_hidden_layers", layers);
            j.put("intermediate_size", intermediate);
            j.put("max_position_embeddings", seqlen);
            j.put("rms_norm_eps", 1e-5);
            j.put("rope_theta", 10000.0);
        }
        return LmConfig.fromJson(j);
    }
}
