package jprune.lm.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.LmConfig;
import jprune.lm.train.TokenCrossEntropy;
import jprune.lm.train.TrainableDecoder;
import jprune.nn.autograd.GradMode;
import jprune.prune.GroupLayer;
import jprune.prune.GroupSlice;
import jprune.prune.PruneGroup;
import jprune.prune.Structure;
import org.junit.jupiter.api.Test;

/** Which slices of which Hugging Face tensors go together, for GPT-2's fused Conv1D layout and Llama's grouped-query attention. */
class LmGroupsTest {
    static final Path GOLDEN = Path.of("src/test/resources/lm-golden");

    static LmConfig config(String name) throws Exception {
        try (HfCheckpoint ck = HfCheckpoint.open(GOLDEN.resolve(name).resolve("model"))) {
            return LmConfig.fromJson(ck.config());
        }
    }

    @Test
    void gpt2HeadIsThreeColumnRangesOfTheFusedQkvAndRowsOfTheOutputProjection() throws Exception {
        LmConfig c = config("gpt2-tied-f32");   // d 48, 3 heads of 16
        List<GroupLayer> heads = LmGroups.of(c, Structure.HEADS);
        assertEquals(2, heads.size());
        assertEquals("transformer.h.1.attn", heads.get(1).name());
        PruneGroup h1 = heads.get(1).groups().get(1);
        String a = "transformer.h.1.attn.";
        assertEquals(List.of(GroupSlice.of(a + "c_attn.weight", 1, 16, 32), GroupSlice.of(a + "c_attn.bias", 0, 16, 32),
                GroupSlice.of(a + "c_attn.weight", 1, 64, 80), GroupSlice.of(a + "c_attn.bias", 0, 64, 80),
                GroupSlice.of(a + "c_attn.weight", 1, 112, 128), GroupSlice.of(a + "c_attn.bias", 0, 112, 128),
                GroupSlice.output(a + "c_proj.weight", 0, 16, 32)), h1.slices());
        PruneGroup n5 = LmGroups.of(c, Structure.MLP_NEURONS).get(0).groups().get(5);
        assertEquals(List.of(GroupSlice.of("transformer.h.0.mlp.c_fc.weight", 1, 5, 6), GroupSlice.of("transformer.h.0.mlp.c_fc.bias", 0, 5, 6),
                GroupSlice.output("transformer.h.0.mlp.c_proj.weight", 0, 5, 6)), n5.slices());
        assertEquals(192, LmGroups.of(c, Structure.MLP_NEURONS).get(1).size());
        // Inside the trainable model matrices are [out, in]: the same slices on the other axis.
        PruneGroup internal = LmGroups.internal(c, heads).get(1).groups().get(1);
        assertEquals(GroupSlice.of(a + "c_attn.weight", 0, 16, 32), internal.slices().get(0));
        assertEquals(GroupSlice.of(a + "c_attn.bias", 0, 16, 32), internal.slices().get(1));
        assertEquals(GroupSlice.output(a + "c_proj.weight", 1, 16, 32), internal.slices().get(6));
    }

    @Test
    void llamaGroupIsAKeyValueHeadWithTheQueryHeadsSharingIt() throws Exception {
        LmConfig c = config("llama-gqa-untied-bf16-sharded");   // 4 heads, 2 kv heads, head dim 16
        GroupLayer attn = LmGroups.of(c, Structure.HEADS).get(0);
        assertEquals(2, attn.size());
        String a = "model.layers.0.self_attn.";
        assertEquals(List.of(GroupSlice.of(a + "q_proj.weight", 0, 32, 64), GroupSlice.of(a + "k_proj.weight", 0, 16, 32),
                GroupSlice.of(a + "v_proj.weight", 0, 16, 32), GroupSlice.output(a + "o_proj.weight", 1, 32, 64)), attn.groups().get(1).slices());
        LmConfig qwen = config("qwen2-bias-tied-bf16");   // 6 heads, 2 kv heads, head dim 8, q/k/v biases
        PruneGroup g = LmGroups.of(qwen, Structure.HEADS).get(1).groups().get(0);
        assertTrue(g.slices().contains(GroupSlice.of("model.layers.1.self_attn.q_proj.bias", 0, 0, 24)), g.toString());
        assertTrue(g.slices().contains(GroupSlice.of("model.layers.1.self_attn.v_proj.bias", 0, 0, 8)), g.toString());
        PruneGroup n = LmGroups.of(c, Structure.MLP_NEURONS).get(1).groups().get(87);
        assertEquals(List.of(GroupSlice.of("model.layers.1.mlp.gate_proj.weight", 0, 87, 88), GroupSlice.of("model.layers.1.mlp.up_proj.weight", 0, 87, 88),
                GroupSlice.output("model.layers.1.mlp.down_proj.weight", 1, 87, 88)), n.slices());
        assertEquals(LmGroups.internal(c, List.of(attn)).get(0), attn, "llama matrices are stored [out, in] already");
    }

    @Test
    void aBlockIsEveryTensorUnderItsPrefixWithTheResidualProjectionsAsOutputs() throws Exception {
        for (String name : List.of("gpt2-tied-f32", "llama-gqa-untied-bf16-sharded")) {
            LmConfig c = config(name);
            GroupLayer blocks = LmGroups.of(c, Structure.BLOCKS).get(0);
            assertEquals(2, blocks.size());
            PruneGroup b1 = blocks.groups().get(1);
            assertEquals(LmGroups.blockPrefix(c, 1), b1.dropsPrefix());
            List<String> outputs = b1.slices().stream().filter(GroupSlice::output).map(GroupSlice::tensor).toList();
            List<String> expected = c.family() == LmConfig.Family.GPT2
                    ? List.of("transformer.h.1.attn.c_proj.weight", "transformer.h.1.attn.c_proj.bias", "transformer.h.1.mlp.c_proj.weight", "transformer.h.1.mlp.c_proj.bias")
                    : List.of("model.layers.1.self_attn.o_proj.weight", "model.layers.1.mlp.down_proj.weight");
            assertEquals(expected, outputs, name);
            assertEquals(c.family() == LmConfig.Family.GPT2 ? 12 : 9, b1.slices().size(), name);
            assertFalse(b1.slices().stream().anyMatch(s -> !s.tensor().startsWith(b1.dropsPrefix())));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> LmGroups.of(config("gpt2-tied-f32"), Structure.CHANNELS));
        assertTrue(e.getMessage().contains("heads, mlp-neurons, blocks"), e.getMessage());
    }

    @Test
    void aHiddenDimensionIsEveryTensorThatReadsOrWritesTheResidualStream() throws Exception {
        LmConfig g = config("gpt2-tied-f32");   // d 48, tied head
        List<GroupLayer> layers = LmGroups.of(g, Structure.HIDDEN);
        assertEquals(1, layers.size());
        assertEquals(48, layers.get(0).size());
        String b = "transformer.h.1.";
        List<GroupSlice> d5 = layers.get(0).groups().get(5).slices();
        assertEquals(2 + 2 * 10 + 2, d5.size(), d5.toString());   // wte, wpe; per block 2 LayerNorms × 2, c_attn, c_fc, 2 × c_proj weight and bias; ln_f × 2
        for (GroupSlice s : List.of(GroupSlice.of("transformer.wte.weight", 1, 5, 6), GroupSlice.of("transformer.wpe.weight", 1, 5, 6),
                GroupSlice.of(b + "ln_1.weight", 0, 5, 6), GroupSlice.of(b + "ln_1.bias", 0, 5, 6), GroupSlice.of(b + "attn.c_attn.weight", 0, 5, 6),
                GroupSlice.output(b + "attn.c_proj.weight", 1, 5, 6), GroupSlice.output(b + "attn.c_proj.bias", 0, 5, 6),
                GroupSlice.of(b + "ln_2.bias", 0, 5, 6), GroupSlice.of(b + "mlp.c_fc.weight", 0, 5, 6),
                GroupSlice.output(b + "mlp.c_proj.weight", 1, 5, 6), GroupSlice.output(b + "mlp.c_proj.bias", 0, 5, 6),
                GroupSlice.of("transformer.ln_f.weight", 0, 5, 6), GroupSlice.of("transformer.ln_f.bias", 0, 5, 6)))
            assertTrue(d5.contains(s), s + " in " + d5);
        assertFalse(d5.stream().anyMatch(s -> s.tensor().endsWith("c_attn.bias") || s.tensor().endsWith("c_fc.bias")), "reader biases are not indexed by d");
        // In the trainable model's [out, in] matrices the readers' slices are columns, the writers' rows.
        List<GroupSlice> internal = LmGroups.internal(g, layers).get(0).groups().get(5).slices();
        assertTrue(internal.contains(GroupSlice.of(b + "attn.c_attn.weight", 1, 5, 6)) && internal.contains(GroupSlice.output(b + "mlp.c_proj.weight", 0, 5, 6)));

        LmConfig l = config("llama-headdim-bias-f32");   // d 48, untied, attention and MLP biases
        List<GroupSlice> d7 = LmGroups.of(l, Structure.HIDDEN).get(0).groups().get(7).slices();
        String m = "model.layers.0.";
        assertEquals(List.of(GroupSlice.of("model.embed_tokens.weight", 1, 7, 8), GroupSlice.of(m + "input_layernorm.weight", 0, 7, 8),
                GroupSlice.of(m + "self_attn.q_proj.weight", 1, 7, 8), GroupSlice.of(m + "self_attn.k_proj.weight", 1, 7, 8),
                GroupSlice.of(m + "self_attn.v_proj.weight", 1, 7, 8), GroupSlice.output(m + "self_attn.o_proj.weight", 0, 7, 8),
                GroupSlice.output(m + "self_attn.o_proj.bias", 0, 7, 8), GroupSlice.of(m + "post_attention_layernorm.weight", 0, 7, 8),
                GroupSlice.of(m + "mlp.gate_proj.weight", 1, 7, 8), GroupSlice.of(m + "mlp.up_proj.weight", 1, 7, 8),
                GroupSlice.output(m + "mlp.down_proj.weight", 0, 7, 8), GroupSlice.output(m + "mlp.down_proj.bias", 0, 7, 8)), d7.subList(0, 12));
        assertEquals(List.of(GroupSlice.of("model.norm.weight", 0, 7, 8), GroupSlice.of("lm_head.weight", 1, 7, 8)), d7.subList(d7.size() - 2, d7.size()));
        assertEquals(1 + 2 * 11 + 2, d7.size(), "the second block's eleven slices too");
        // GQA without output biases, and Qwen2's q/k/v biases (indexed by heads, not by d), tied: no lm_head.
        for (String name : List.of("llama-gqa-untied-bf16-sharded", "qwen2-bias-tied-bf16")) {
            LmConfig c = config(name);
            List<GroupSlice> s = LmGroups.of(c, Structure.HIDDEN).get(0).groups().get(0).slices();
            assertFalse(s.stream().anyMatch(x -> x.tensor().endsWith(".bias")), name + ": " + s);
            assertEquals(c.tiedEmbeddings() ? 0 : 1, s.stream().filter(x -> x.tensor().equals("lm_head.weight")).count(), name);
            assertEquals(2L * c.layers(), s.stream().filter(GroupSlice::output).count(), name + ": o_proj and down_proj of every block");
        }
        var e = assertThrows(IllegalArgumentException.class, () -> LmCriterion.parse("gate", Structure.HIDDEN));
        assertTrue(e.getMessage().contains("with --granularity hidden use one of magnitude, magnitude-l2, taylor"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LmCriterion.parse("block-influence", Structure.HIDDEN));
        assertTrue(e.getMessage().contains("scores whole blocks; with --granularity hidden"), e.getMessage());
    }

    /**
     * The gate score of a GPT-2 head (its slices translated to the trainable model's [out, in]
     * matrices) is |dL/dξ| for a gate ξ on the head's output, checked by central differences.
     */
    @Test
    void gateScoreIsTheGradientOfAGateOnTheHead() throws Exception {
        LmWeights w;
        try (HfCheckpoint ck = HfCheckpoint.open(GOLDEN.resolve("gpt2-tied-f32").resolve("model"))) {
            w = LmWeights.read(ck);
        }
        int[] ids = {21, 92, 1, 11, 4, 17, 93, 23, 34, 78, 37, 66, 25};
        var calib = new jprune.lm.prune.CalibrationSamples(List.of(ids), "test");
        List<GroupLayer> heads = LmGroups.of(w.config(), Structure.HEADS);
        float[] scores = LmGroupScores.score(LmCriterion.GATE, heads, w, null, calib, 1).get(1);
        for (int h = 0; h < 3; h++) {
            double eps = 1e-2;
            double numeric = Math.abs((lossWithGate(w, ids, h, 1 + eps) - lossWithGate(w, ids, h, 1 - eps)) / (2 * eps));
            assertEquals(numeric, scores[h], 5e-3 * numeric + 5e-5, "head " + h);
        }
    }

    /** Mean loss with block 1's head h output (rows h·16.. of the stored c_proj) scaled by gate. */
    private static double lossWithGate(LmWeights w, int[] ids, int head, double gate) {
        Map<String, float[]> v = new java.util.LinkedHashMap<>(w.values());
        float[] proj = v.get("transformer.h.1.attn.c_proj.weight").clone();
        for (int r = head * 16; r < (head + 1) * 16; r++) for (int col = 0; col < 48; col++) proj[r * 48 + col] *= (float) gate;
        v.put("transformer.h.1.attn.c_proj.weight", proj);
        TrainableDecoder m = TrainableDecoder.fromTensors(w.config(), v);
        int t = ids.length - 1;
        try (var g = GradMode.noGrad()) {
            return TokenCrossEntropy.apply(m.forward(java.util.Arrays.copyOf(ids, t), 1, t), java.util.Arrays.copyOfRange(ids, 1, ids.length)).value().item();
        }
    }
}
