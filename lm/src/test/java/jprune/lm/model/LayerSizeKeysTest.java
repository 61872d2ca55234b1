package jprune.lm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.io.Json;
import org.junit.jupiter.api.Test;

/** config.json round trips of per-layer sizes: plain Hugging Face keys while they can say it, documented jprune_ keys beyond, clear errors for bad ones. */
class LayerSizeKeysTest {
    static Map<String, Object> gpt2() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model_type", "gpt2");
        j.put("vocab_size", 50);
        j.put("n_embd", 32);
        j.put("n_head", 4);
        j.put("n_layer", 3);
        j.put("n_positions", 16);
        return j;
    }

    static Map<String, Object> llama() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model_type", "llama");
        j.put("vocab_size", 50);
        j.put("hidden_size", 32);
        j.put("num_attention_heads", 4);
        j.put("num_key_value_heads", 2);
        j.put("num_hidden_layers", 3);
        j.put("intermediate_size", 64);
        j.put("max_position_embeddings", 16);
        return j;
    }

    private static LmConfig roundTrip(LmConfig c, Map<String, Object> into) {
        Map<String, Object> j = new LinkedHashMap<>(into);
        c.writeShape(j);
        return LmConfig.fromJson(Json.parseObject(Json.write(j, false)));
    }

    @Test
    void uniformSizesUseOnlyHuggingFaceKeys() {
        LmConfig c = LmConfig.fromJson(llama()).withLayerSizes(new LmConfig.LayerSizes(new int[] {2, 2}, new int[] {1, 1}, new int[] {40, 40}));
        Map<String, Object> j = new LinkedHashMap<>(llama());
        c.writeShape(j);
        assertEquals(2, j.get("num_hidden_layers"));
        assertEquals(2, j.get("num_attention_heads"));
        assertEquals(1, j.get("num_key_value_heads"));
        assertEquals(8, j.get("head_dim"), "the head size stays, so it is written explicitly");
        assertEquals(40, j.get("intermediate_size"));
        assertFalse(j.keySet().stream().anyMatch(k -> k.startsWith("jprune_")), j.toString());
        assertEquals(c, LmConfig.fromJson(j));
        LmConfig g = LmConfig.fromJson(gpt2()).withLayerSizes(new LmConfig.LayerSizes(new int[] {4, 4}, new int[] {4, 4}, new int[] {100, 100}));
        Map<String, Object> gj = new LinkedHashMap<>(gpt2());
        g.writeShape(gj);
        assertEquals(2, gj.get("n_layer"));
        assertEquals(100, gj.get("n_inner"));
        assertFalse(gj.keySet().stream().anyMatch(k -> k.startsWith("jprune_")), gj.toString());
    }

    @Test
    void unevenSizesAndFewerGpt2HeadsUseExtraKeysThatReadBack() {
        LmConfig g = LmConfig.fromJson(gpt2()).withLayerSizes(new LmConfig.LayerSizes(new int[] {3, 3, 3}, new int[] {3, 3, 3}, new int[] {128, 128, 128}));
        Map<String, Object> j = new LinkedHashMap<>(gpt2());
        g.writeShape(j);
        assertEquals(4, j.get("n_head"), "n_head keeps fixing the head size n_embd / n_head");
        assertEquals(List.of(3, 3, 3), j.get(LmConfig.LAYER_HEADS));
        assertEquals(8, j.get(LmConfig.HEAD_DIM));
        LmConfig back = roundTrip(g, gpt2());
        assertEquals(g, back);
        assertEquals(3, back.heads(2));
        LmConfig l = LmConfig.fromJson(llama()).withLayerSizes(new LmConfig.LayerSizes(new int[] {4, 2, 2}, new int[] {2, 1, 1}, new int[] {64, 10, 33}));
        Map<String, Object> lj = new LinkedHashMap<>(llama());
        l.writeShape(lj);
        assertEquals(List.of(4, 2, 2), lj.get(LmConfig.LAYER_HEADS));
        assertEquals(List.of(2, 1, 1), lj.get(LmConfig.LAYER_KV_HEADS));
        assertEquals(List.of(64, 10, 33), lj.get(LmConfig.LAYER_INTERMEDIATE));
        LmConfig lb = roundTrip(l, llama());
        assertEquals(l, lb);
        assertEquals(l.parameterCount(), lb.parameterCount());
        // Uniform again: the stale extra keys go.
        LmConfig u = lb.withLayerSizes(new LmConfig.LayerSizes(new int[] {2, 2, 2}, new int[] {1, 1, 1}, new int[] {10, 10, 10}));
        Map<String, Object> uj = new LinkedHashMap<>(lj);
        u.writeShape(uj);
        assertFalse(uj.keySet().stream().anyMatch(k -> k.startsWith("jprune_")), uj.toString());
    }

    /**
     * A narrowed residual stream: Llama writes hidden_size, the explicit head_dim and the rescaled
     * rms_norm_eps (plain Hugging Face keys); GPT-2 writes n_embd and, since n_embd / n_head is no
     * longer the head size, jprune_head_dim, which jprune reads back even when n_embd is not a
     * multiple of n_head.
     */
    @Test
    void narrowedResidualStreamRoundTrips() {
        LmConfig l = LmConfig.fromJson(llama()).withHidden(20, 3e-6);
        Map<String, Object> lj = new LinkedHashMap<>(llama());
        l.writeShape(lj);
        assertEquals(20, lj.get("hidden_size"));
        assertEquals(8, lj.get("head_dim"));
        assertEquals(3e-6, lj.get("rms_norm_eps"));
        assertFalse(lj.keySet().stream().anyMatch(k -> k.startsWith("jprune_")), lj.toString());
        assertEquals(l, LmConfig.fromJson(Json.parseObject(Json.write(lj, false))));
        for (int width : new int[] {24, 30}) {
            LmConfig g = LmConfig.fromJson(gpt2()).withHidden(width, 1e-5);
            Map<String, Object> gj = new LinkedHashMap<>(gpt2());
            g.writeShape(gj);
            assertEquals(width, gj.get("n_embd"));
            assertEquals(4, gj.get("n_head"));
            assertEquals(8, gj.get(LmConfig.HEAD_DIM));
            assertFalse(gj.containsKey(LmConfig.LAYER_HEADS), "the blocks keep n_head heads: no per-layer list");
            LmConfig back = roundTrip(g, gpt2());
            assertEquals(g, back);
            assertEquals(8, back.headDim());
            assertEquals(g.parameterCount(), back.parameterCount());
        }
        LmConfig restored = LmConfig.fromJson(gpt2()).withHidden(32, 1e-5);
        Map<String, Object> rj = new LinkedHashMap<>(gpt2());
        rj.put(LmConfig.HEAD_DIM, 8);
        restored.writeShape(rj);
        assertFalse(rj.containsKey(LmConfig.HEAD_DIM), "n_embd / n_head is the head size again: the stale key goes");
    }

    @Test
    void badExtraKeysFailNamingTheKey() {
        assertBad(gpt2(), Map.of("jprune_layer_width", List.of(1, 2, 3)), "unknown key 'jprune_layer_width'");
        assertBad(gpt2(), Map.of(LmConfig.LAYER_HEADS, List.of(4, 4), LmConfig.HEAD_DIM, 8), "jprune_layer_heads must be a list of 3 positive integers");
        assertBad(gpt2(), Map.of(LmConfig.LAYER_HEADS, List.of(4, 0, 4), LmConfig.HEAD_DIM, 8), "jprune_layer_heads[1] must be a positive integer");
        assertBad(gpt2(), Map.of(LmConfig.LAYER_HEADS, List.of(4, 2, 4)), "needs jprune_head_dim");
        assertBad(gpt2(), Map.of(LmConfig.HEAD_DIM, 0), "jprune_head_dim must be a positive integer");
        assertBad(gpt2(), Map.of("n_embd", 30), "n_embd (30) is not divisible by n_head (4)");
        assertBad(gpt2(), Map.of(LmConfig.LAYER_KV_HEADS, List.of(1, 1, 1)), "not a gpt2 key");
        assertBad(llama(), Map.of(LmConfig.LAYER_HEADS, List.of(4, 2, 4)), "go together");
        assertBad(llama(), Map.of(LmConfig.LAYER_HEADS, List.of(4, 3, 4), LmConfig.LAYER_KV_HEADS, List.of(2, 2, 2)), "layer 1 has 3 heads, not a multiple of its 2 key/value heads");
        assertBad(llama(), Map.of(LmConfig.HEAD_DIM, 8), "Llama-family configs give head_dim");
        assertBad(llama(), Map.of(LmConfig.LAYER_INTERMEDIATE, "wide"), "jprune_layer_intermediate must be a list of 3");
    }

    private static void assertBad(Map<String, Object> base, Map<String, Object> extra, String message) {
        Map<String, Object> j = new LinkedHashMap<>(base);
        j.putAll(extra);
        var e = assertThrows(IllegalArgumentException.class, () -> LmConfig.fromJson(j));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
