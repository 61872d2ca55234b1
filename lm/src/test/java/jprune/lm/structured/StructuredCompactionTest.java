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
            int[] ids = ((List<?>) Json.parse(Files.readString(LmGroupsTest.GOLDEN.resolve(name).resolve("ids.json")))).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
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
