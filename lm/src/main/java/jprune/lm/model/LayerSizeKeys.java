package jprune.lm.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jprune.lm.hf.PackedWeights;

/**
 * Reads and writes the per-block sizes of a config.json. Hugging Face's keys say everything while
 * the blocks are alike (Llama: num_attention_heads, num_key_value_heads, head_dim,
 * intermediate_size; GPT-2: n_inner); beyond that jprune writes documented extra keys
 * ({@code jprune_layer_heads}, {@code jprune_layer_kv_heads}, {@code jprune_layer_intermediate},
 * {@code jprune_head_dim}), which override the standard keys when present ({@code jprune_compression}
 * is {@link PackedWeights}'s). GPT-2 derives its head
 * size from n_embd / n_head, so any change of its head count or of its residual width (n_embd)
 * needs {@code jprune_head_dim}. The residual width and the norm epsilon (which pruning the width
 * rescales for RMSNorm) are written under the standard keys. Unknown
 * {@code jprune_} keys and keys that contradict each other are errors naming the key.
 */
final class LayerSizeKeys {
    private LayerSizeKeys() {}

    static LmConfig.LayerSizes read(Map<String, Object> j, LmConfig.Family family, int layers, int heads, int kvHeads, int headDim, int intermediate) {
        for (String key : j.keySet())
            if (key.startsWith("jprune_") && !LmConfig.EXTRA_KEYS.contains(key) && !key.equals(PackedWeights.CONFIG_KEY))
                throw new IllegalArgumentException("config.json: unknown key '" + key + "'; jprune reads " + String.join(", ", LmConfig.EXTRA_KEYS)
                        + " and " + PackedWeights.CONFIG_KEY);
        int[] h = list(j, LmConfig.LAYER_HEADS, layers), kv = list(j, LmConfig.LAYER_KV_HEADS, layers), f = list(j, LmConfig.LAYER_INTERMEDIATE, layers);
        Object hd = j.get(LmConfig.HEAD_DIM);
        if (family == LmConfig.Family.GPT2) {
            if (kv != null) throw new IllegalArgumentException("config.json: " + LmConfig.LAYER_KV_HEADS + " is not a gpt2 key (gpt2 has no grouped-query attention)");
            if (h != null && hd == null)
                throw new IllegalArgumentException("config.json: " + LmConfig.LAYER_HEADS + " needs " + LmConfig.HEAD_DIM + " (n_embd / n_head = " + headDim + ")");
            kv = h;
        } else {
            if (hd != null) throw new IllegalArgumentException("config.json: " + LmConfig.HEAD_DIM + " is a gpt2 key; Llama-family configs give head_dim");
            if ((h == null) != (kv == null))
                throw new IllegalArgumentException("config.json: " + LmConfig.LAYER_HEADS + " and " + LmConfig.LAYER_KV_HEADS + " go together; one is missing");
        }
        LmConfig.LayerSizes u = LmConfig.LayerSizes.uniform(layers, heads, kvHeads, intermediate);
        return new LmConfig.LayerSizes(h != null ? h : u.heads(), kv != null ? kv : u.kvHeads(), f != null ? f : u.intermediate());
    }

    /** GPT-2's explicit head size, jprune_head_dim (null when absent; then n_embd / n_head is the head size). */
    static Integer gpt2HeadDim(Map<String, Object> j) {
        Object v = j.get(LmConfig.HEAD_DIM);
        if (v == null) return null;
        Long x = LmConfig.integral(v);
        if (x == null || x < 1 || x > Integer.MAX_VALUE)
            throw new IllegalArgumentException("config.json: " + LmConfig.HEAD_DIM + " must be a positive integer, got " + v);
        return (int) (long) x;
    }

    private static int[] list(Map<String, Object> j, String key, int layers) {
        Object v = j.get(key);
        if (v == null) return null;
        if (!(v instanceof List<?> items) || items.size() != layers)
            throw new IllegalArgumentException("config.json: " + key + " must be a list of " + layers + " positive integers (one per layer), got " + v);
        int[] out = new int[layers];
        for (int l = 0; l < layers; l++) {
            Long x = LmConfig.integral(items.get(l));
            if (x == null || x < 1 || x > Integer.MAX_VALUE)
                throw new IllegalArgumentException("config.json: " + key + "[" + l + "] must be a positive integer, got " + items.get(l));
            out[l] = (int) (long) x;
        }
        return out;
    }

    static void write(LmConfig c, Map<String, Object> j) {
        j.keySet().removeAll(LmConfig.EXTRA_KEYS);
        int n = c.layers();
        boolean sameHeads = true, sameWidth = true;
        for (int l = 0; l < n; l++) {
            sameHeads &= c.heads(l) == c.heads() && c.kvHeads(l) == c.kvHeads();
            sameWidth &= c.intermediateSize(l) == c.intermediateSize();
        }
        String epsKey = c.family() == LmConfig.Family.GPT2 ? "layer_norm_epsilon" : "rms_norm_eps";
        if (!(j.get(epsKey) instanceof Number eps && eps.doubleValue() == c.normEps())) j.put(epsKey, c.normEps());
        if (c.family() == LmConfig.Family.GPT2) {
            j.put("n_embd", c.hiddenSize());
            j.put("n_layer", n);
            j.put("n_head", c.heads());
            j.put("n_inner", c.intermediateSize());
            if (!sameHeads) j.put(LmConfig.LAYER_HEADS, perLayer(n, c::heads));
            if (!sameHeads || c.heads() * c.headDim() != c.hiddenSize()) j.put(LmConfig.HEAD_DIM, c.headDim());
        } else {
            j.put("hidden_size", c.hiddenSize());
            j.put("num_hidden_layers", n);
            j.put("num_attention_heads", c.heads());
            j.put("num_key_value_heads", c.kvHeads());
            j.put("head_dim", c.headDim());
            j.put("intermediate_size", c.intermediateSize());
            if (!sameHeads) {
                j.put(LmConfig.LAYER_HEADS, perLayer(n, c::heads));
                j.put(LmConfig.LAYER_KV_HEADS, perLayer(n, c::kvHeads));
            }
        }
        if (!sameWidth) j.put(LmConfig.LAYER_INTERMEDIATE, perLayer(n, c::intermediateSize));
    }

    private static List<Integer> perLayer(int n, java.util.function.IntUnaryOperator size) {
        List<Integer> out = new ArrayList<>();
        for (int l = 0; l < n; l++) out.add(size.applyAsInt(l));
        return out;
    }
}
