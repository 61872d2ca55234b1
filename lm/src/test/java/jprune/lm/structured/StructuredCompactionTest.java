package jprune.lm.structured;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.KvCache;
import jprune.lm.model.LmConfig;
import jprune.nn.io.Json;
import jprune.prune.Scope;
import jprune.prune.Structure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Removing heads, MLP neurons or blocks leaves the model computing what the masked model (the same
 * groups zeroed, full size) computes, on every family: GPT-2 tied (fused Conv1D QKV; also with the hub's names), Llama with
 * grouped-query attention in BF16 shards, Qwen2 with q/k/v biases. The compacted checkpoint is
 * written in the input's dtype and shards and reloads with the inference model, uneven blocks included.
 */
class StructuredCompactionTest {
    @TempDir Path tmp;

    static final List<String> MODELS = List.of("gpt2-tied-f32", "gpt2-hub-legacy-f32", "llama-gqa-untied-bf16-sharded", "qwen2-bias-tied-bf16");

    @Test
    void compactedLogitsEqualMaskedLogits() throws Exception {
        for (String name : MODELS) {
            Path src = LmGroupsTest.GOLDEN.resolve(name).resolve("model");
            int[] ids = ids(name);
            try (HfCheckpoint ck = HfCheckpoint.open(src)) {
                LmWeights w = LmWeights.read(ck);
                for (Structure s : List.of(Structure.HEADS, Structure.MLP_NEURONS, Structure.BLOCKS)) {
                    for (Scope scope : List.of(Scope.LAYER, Scope.GLOBAL)) {
                        if (s == Structure.BLOCKS && scope == Scope.GLOBAL) continue;
                        String what = name + " " + s.flag() + " " + scope;
                        StructuredLmPruner.Result r = StructuredLmPruner.prune(w, null, null,
                                new StructuredLmPruner.Settings(s, LmCriterion.MAGNITUDE, 0.5, scope, null, 1));
                        assertFalse(r.removed().isEmpty(), what);
                        Path masked = tmp.resolve(name + "-" + s.flag() + "-" + scope + "-masked"), small = tmp.resolve(name + "-" + s.flag() + "-" + scope);
                        w.masked(r.removed()).write(masked, ck.config(), src);
                        r.compacted().write(small, ck.config(), src);
                        try (HfCheckpoint m = HfCheckpoint.open(masked); HfCheckpoint c = HfCheckpoint.open(small)) {
                            DecoderModel full = DecoderModel.open(m), compact = DecoderModel.open(c);
                            assertTrue(compact.config().parameterCount() < full.config().parameterCount(), what);
                            assertEquals(r.compacted().parameterCount(), compact.config().parameterCount(), what);
                            float[] expected = logits(full, ids), got = logits(compact, ids);
                            for (int i = 0; i < expected.length; i++)
                                assertEquals(expected[i], got[i], 2e-5 * Math.max(1, Math.abs(expected[i])), what + " logit " + i);
                            assertArrayEquals(got, stepByStep(compact, ids), 2e-4f, what + ": token by token through the KV cache");
                            assertEquals(c.sharded(), ck.sharded(), what + ": shards as in the input");
                            for (var t : c.tensors().values()) assertEquals(ck.dtype().name(), t.storedDtype(), what + " " + t.name());
                        }
                    }
                }
            }
        }
    }

    @Test
    void unevenBlocksAreWrittenWithExtraKeysAndUniformOnesWithHuggingFaceKeys() throws Exception {
        Path src = LmGroupsTest.GOLDEN.resolve("qwen2-bias-tied-bf16").resolve("model");
        try (HfCheckpoint ck = HfCheckpoint.open(src)) {
            LmWeights w = LmWeights.read(ck);
            // Layer scope: every layer loses the same key/value group, so Hugging Face's keys say it all.
            StructuredLmPruner.Result r = StructuredLmPruner.prune(w, null, null,
                    new StructuredLmPruner.Settings(Structure.HEADS, LmCriterion.MAGNITUDE, 0.5, Scope.LAYER, null, 1));
            r.compacted().write(tmp.resolve("uniform"), ck.config(), src);
            Map<String, Object> json = Json.parseObject(Files.readString(tmp.resolve("uniform/config.json")));
            assertEquals(3L, json.get("num_attention_heads"));
            assertEquals(1L, json.get("num_key_value_heads"));
            assertEquals(8L, json.get("head_dim"));
            assertFalse(json.keySet().stream().anyMatch(k -> k.startsWith("jprune_")), json.toString());
            // Explicit neuron counts that differ per layer need the extra key, which reads back.
            LmConfig c = w.config().withLayerSizes(new LmConfig.LayerSizes(new int[] {6, 6}, new int[] {2, 2}, new int[] {80, 40}));
            Map<String, Object> j2 = new java.util.LinkedHashMap<>(ck.config());
            c.writeShape(j2);
            assertEquals(List.of(80, 40), j2.get(LmConfig.LAYER_INTERMEDIATE));
            assertEquals(c, LmConfig.fromJson(Json.parseObject(Json.write(j2, false))));
        }
    }

    static int[] ids(String name) throws Exception {
        return ((List<?>) Json.parse(Files.readString(LmGroupsTest.GOLDEN.resolve(name).resolve("ids.json")))).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    /**
     * Llama family, residual stream narrowed by a quarter: the compacted model (RMSNorm gains ×
     * sqrt(D/D'), epsilon × D/D') computes what the masked model computes, with GQA, Qwen2's q/k/v
     * biases, output and MLP biases and BF16 shards, and is written with Hugging Face's keys alone.
     */
    @Test
    void narrowedResidualStreamOfLlamaFamilyComputesWhatTheMaskedModelComputes() throws Exception {
        for (String name : List.of("llama-gqa-untied-bf16-sharded", "qwen2-bias-tied-bf16", "llama-headdim-bias-f32")) {
            Path src = LmGroupsTest.GOLDEN.resolve(name).resolve("model");
            int[] ids = ids(name);
            try (HfCheckpoint ck = HfCheckpoint.open(src)) {
                LmWeights w = LmWeights.read(ck);
                int d = w.config().hiddenSize(), kept = d - (int) Math.rint(0.25 * d);
                StructuredLmPruner.Result r = StructuredLmPruner.prune(w, null, null,
                        new StructuredLmPruner.Settings(Structure.HIDDEN, LmCriterion.MAGNITUDE, 0.25, Scope.LAYER, null, 1));
                assertEquals(d - kept, r.removed().size(), name);
                Path small = tmp.resolve(name + "-hidden");
                r.compacted().write(small, ck.config(), src);
                try (HfCheckpoint c = HfCheckpoint.open(small)) {
                    DecoderModel full = w.masked(r.removed()).inference(), compact = DecoderModel.open(c);
                    assertEquals(kept, compact.config().hiddenSize(), name);
                    assertEquals(w.config().normEps() * d / kept, compact.config().normEps(), 1e-18, name);
                    assertEquals((long) kept, c.config().get("hidden_size"), name);
                    assertEquals((long) w.config().headDim(), c.config().get("head_dim"), name);
                    assertFalse(c.config().keySet().stream().anyMatch(k -> k.startsWith("jprune_")), name + ": a plain Hugging Face checkpoint");
                    assertEquals(r.compacted().parameterCount(), compact.config().parameterCount(), name);
                    float[] expected = logits(full, ids), got = logits(compact, ids);
                    for (int i = 0; i < expected.length; i++)
                        assertEquals(expected[i], got[i], 2e-5 * Math.max(1, Math.abs(expected[i])), name + " logit " + i);
                    assertArrayEquals(got, stepByStep(compact, ids), 2e-4f, name + ": token by token through the KV cache");
                    assertEquals("F32", c.tensor("model.norm.weight").storedDtype(), name + ": rescaled gains are not rounded again");
                    assertEquals(ck.dtype().name(), c.tensor("model.layers.1.mlp.up_proj.weight").storedDtype(), name);
                    assertEquals(c.sharded(), ck.sharded(), name);
                }
            }
        }
    }

    /**
     * GPT-2's LayerNorm over the kept dimensions is not the masked model's (mean and variance over
     * all D with zeros), so the compacted model is checked against an independent float64 forward of
     * the full-size masked weights whose LayerNorms take their statistics over the kept dimensions
     * only; the masked model itself differs, which shows the reference is not vacuous.
     */
    @Test
    void narrowedGpt2NormalisesOverTheKeptDimensions() throws Exception {
        for (String name : List.of("gpt2-tied-f32", "gpt2-hub-legacy-f32")) {
            Path src = LmGroupsTest.GOLDEN.resolve(name).resolve("model");
            int[] ids = ids(name);
            try (HfCheckpoint ck = HfCheckpoint.open(src)) {
                LmWeights w = LmWeights.read(ck);
                LmConfig dense = w.config();
                StructuredLmPruner.Result r = StructuredLmPruner.prune(w, null, null,
                        new StructuredLmPruner.Settings(Structure.HIDDEN, LmCriterion.MAGNITUDE, 0.25, Scope.GLOBAL, null, 1));
                boolean[] kept = new boolean[dense.hiddenSize()];
                java.util.Arrays.fill(kept, true);
                for (var g : r.removed()) kept[g.index()] = false;
                Path small = tmp.resolve(name + "-hidden");
                r.compacted().write(small, ck.config(), src);
                try (HfCheckpoint c = HfCheckpoint.open(small)) {
                    int narrowed = dense.hiddenSize() - r.removed().size();
                    assertEquals((long) narrowed, c.config().get("n_embd"), name);
                    assertEquals((long) dense.heads(), c.config().get("n_head"), name);
                    assertEquals((long) dense.headDim(), c.config().get(LmConfig.HEAD_DIM), name + ": n_embd / n_head is no longer the head size");
                    DecoderModel compact = DecoderModel.open(c);
                    assertEquals(dense.headDim(), compact.config().headDim(), name);
                    assertEquals(dense.normEps(), compact.config().normEps(), name + ": LayerNorm's epsilon stays");
                    double[] reference = Gpt2Reference.logits(w.masked(r.removed()), kept, ids);
                    float[] got = logits(compact, ids), masked = logits(w.masked(r.removed()).inference(), ids);
                    double maskedGap = 0;
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(reference[i], got[i], 2e-5 * Math.max(1, Math.abs(reference[i])), name + " logit " + i);
                        maskedGap = Math.max(maskedGap, Math.abs(masked[i] - reference[i]));
                    }
                    assertTrue(maskedGap > 1e-3, name + ": the masked model normalises over all D, " + maskedGap);
                }
            }
        }
    }

    static float[] logits(DecoderModel m, int[] ids) {
        float[] h = m.forward(ids, 0, ids.length, new KvCache(m.config(), ids.length));
        float[] out = new float[ids.length * m.config().vocabSize()];
        m.logits(h, ids.length, out);
        return out;
    }

    private static float[] stepByStep(DecoderModel m, int[] ids) {
        int v = m.config().vocabSize();
        KvCache cache = new KvCache(m.config(), ids.length);
        float[] out = new float[ids.length * v], row = new float[v];
        for (int t = 0; t < ids.length; t++) {
            m.logits(m.forward(ids, t, 1, cache), 1, row);
            System.arraycopy(row, 0, out, t * v, v);
        }
        return out;
    }
}
