package jprune.lm.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import jprune.lm.hf.DType;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.LmConfig;
import jprune.lm.model.RandomCheckpoint;
import jprune.lm.prune.CalibrationSamples;
import jprune.lm.train.LmArchitecture;
import jprune.prune.PruneGroup;
import jprune.prune.Scope;
import jprune.prune.Structure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Selection, caps and errors of structured pruning, the block scores' definitions, and fine-tuning the compacted model. */
class StructuredLmPrunerTest {
    @TempDir Path tmp;

    static final LmConfig FOUR_BLOCKS = new LmArchitecture("llama", 4, 32, 4, 2, 48, false, 32).config(61, null);

    private static CalibrationSamples calibration(int count, int length, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int[] ids = r.ints(4000, 0, 61).toArray();
        return CalibrationSamples.fromTokens(ids, count, length, seed, "random");
    }

    @Test
    void sparsityThatRemovesEverythingFailsNamingTheMostAllowed() throws Exception {
        Path dir = tmp.resolve("m");
        RandomCheckpoint.write(dir, FOUR_BLOCKS, DType.F32, 1, 0);
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            LmWeights w = LmWeights.read(ck);
            var e = assertThrows(IllegalArgumentException.class, () -> prune(w, Structure.HEADS, 0.9, Scope.LAYER));
            assertTrue(e.getMessage().startsWith("--sparsity 0.9 would remove every head of model.layers.0.self_attn (2)") && e.getMessage().contains("at most 1 of 2"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> prune(w, Structure.BLOCKS, 0.9, Scope.LAYER));
            assertTrue(e.getMessage().contains("--sparsity") && e.getMessage().contains("at most 3 of 4"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> prune(w, Structure.HEADS, 0.9, Scope.GLOBAL));
            assertTrue(e.getMessage().contains("at most 4"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new StructuredLmPruner.Settings(Structure.HEADS, LmCriterion.MAGNITUDE, 1.0, Scope.LAYER, null, 1));
            assertTrue(e.getMessage().contains("--sparsity must be in (0, 1)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> LmCriterion.parse("skip-loss", Structure.HEADS));
            assertTrue(e.getMessage().contains("magnitude, magnitude-l2, taylor, gate"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> LmCriterion.parse("obd", Structure.BLOCKS));
            assertTrue(e.getMessage().contains("block-influence, skip-loss"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> blocks(w, List.of(0, 1, 2, 3)));
            assertTrue(e.getMessage().contains("would remove all 4 blocks"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> blocks(w, List.of(1, 4)));
            assertTrue(e.getMessage().contains("block 4 does not exist; the model has blocks 0..3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> blocks(w, List.of(1, 1)));
            assertTrue(e.getMessage().contains("twice"), e.getMessage());
            // Global scope takes the lowest groups anywhere, and each layer keeps one.
            StructuredLmPruner.Result r = prune(w, Structure.HEADS, 0.5, Scope.GLOBAL);
            int heads = 0;
            for (StructuredLmPruner.LayerChange c : r.changes()) {
                assertTrue(c.kvAfter() >= 1 && c.after() == 2 * c.kvAfter(), c.toString());
                heads += c.kvAfter();
            }
            assertEquals(4, heads);
        }
    }

    private static StructuredLmPruner.Result prune(LmWeights w, Structure s, double sparsity, Scope scope) {
        return StructuredLmPruner.prune(w, null, null, new StructuredLmPruner.Settings(s, LmCriterion.MAGNITUDE, sparsity, scope, null, 1));
    }

    private static StructuredLmPruner.Result blocks(LmWeights w, List<Integer> list) {
        return StructuredLmPruner.prune(w, null, null, new StructuredLmPruner.Settings(Structure.BLOCKS, null, 0, Scope.LAYER, list, 1));
    }

    /** Block 2 made an exact identity (its residual projections zeroed): both block scores are zero for it and not for the others, and it goes first. */
    @Test
    void blockScoresFollowTheirDefinitions() throws Exception {
        Path dir = tmp.resolve("identity");
        RandomCheckpoint.write(tmp.resolve("random"), FOUR_BLOCKS, DType.F32, 2, 0);
        try (HfCheckpoint ck = HfCheckpoint.open(tmp.resolve("random"))) {
            LmWeights w = LmWeights.read(ck);
            Map<String, float[]> v = new java.util.LinkedHashMap<>(w.values());
            for (String k : List.of("model.layers.2.self_attn.o_proj.weight", "model.layers.2.mlp.down_proj.weight"))
                v.put(k, new float[v.get(k).length]);
            new LmWeights(w.config(), v, w.dtypes(), w.shards(), false).write(dir, ck.config(), null);
        }
        CalibrationSamples calib = calibration(3, 12, 5);
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            LmWeights w = LmWeights.read(ck);
            DecoderModel dense = DecoderModel.open(ck);
            for (LmCriterion c : List.of(LmCriterion.BLOCK_INFLUENCE, LmCriterion.SKIP_LOSS)) {
                float[] s = LmGroupScores.score(c, LmGroups.of(w.config(), Structure.BLOCKS), w, dense, calib, 2).get(0);
                assertEquals(0f, s[2], 1e-6f, c + " " + Arrays.toString(s));
                for (int i : new int[] {0, 1, 3}) assertNotEquals(0f, s[i], c + " block " + i);
                if (c == LmCriterion.BLOCK_INFLUENCE) {
                    for (float x : s) assertTrue(x >= 0, Arrays.toString(s));
                    StructuredLmPruner.Result r = StructuredLmPruner.prune(w, dense, calib,
                            new StructuredLmPruner.Settings(Structure.BLOCKS, c, 0.25, Scope.LAYER, null, 2));
                    assertEquals(List.of(2), r.removed().stream().map(g -> g.index()).toList());
                    assertEquals(3, r.compacted().config().layers());
                    assertTrue(r.compacted().values().containsKey("model.layers.2.input_layernorm.weight"), "block 3 became block 2");
                    assertArrayEquals(w.values().get("model.layers.3.mlp.up_proj.weight"), r.compacted().values().get("model.layers.2.mlp.up_proj.weight"));
                }
            }
            // Taylor runs on the trainable copy and gives each head group a finite, non-negative score.
            List<float[]> taylor = LmGroupScores.score(LmCriterion.TAYLOR, LmGroups.of(w.config(), Structure.HEADS), w, dense, calib, 2);
            for (float[] layer : taylor) for (float x : layer) assertTrue(x >= 0 && Float.isFinite(x), Arrays.toString(layer));
        }
    }

    private static void assertArrayEquals(float[] a, float[] b) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
    }

    /**
     * iterative:2 scores the compacted model of round 1 again (Taylor scores change as groups go), ends
     * with one shot's count in every layer, records both rounds in the input's numbering (the final
     * model is exactly the input with the reported groups removed), and calls the round end between.
     */
    @Test
    void iterativeRoundsRescoreTheCompactedModelAndReportTheInputsNumbering() throws Exception {
        RandomCheckpoint.write(tmp.resolve("it"), FOUR_BLOCKS, DType.F32, 4, 0);
        CalibrationSamples calib = calibration(4, 12, 7);
        try (HfCheckpoint ck = HfCheckpoint.open(tmp.resolve("it"))) {
            LmWeights w = LmWeights.read(ck);
            for (Structure structure : List.of(Structure.MLP_NEURONS, Structure.HIDDEN)) {
                StructuredLmPruner.Result once = StructuredLmPruner.prune(w, null, calib,
                        new StructuredLmPruner.Settings(structure, LmCriterion.TAYLOR, 0.5, Scope.LAYER, null, 2));
                List<Integer> ends = new java.util.ArrayList<>();
                StructuredLmPruner.Result it = StructuredLmPruner.prune(w, null, calib,
                        new StructuredLmPruner.Settings(structure, LmCriterion.TAYLOR, 0.5, Scope.LAYER, null, 2, 2), (round, pruned) -> {
                            ends.add(round.round());
                            return pruned;
                        });
                assertEquals(List.of(1, 2), ends, structure.flag());
                assertEquals(2, it.rounds().size());
                StructuredLmPruner.Round r1 = it.rounds().get(0), r2 = it.rounds().get(1);
                assertEquals(1 - Math.sqrt(0.5), r1.targetSparsity(), 1e-12);
                assertEquals(0.5, r2.targetSparsity());
                assertEquals(it.removed().size(), r1.removed().size() + r2.removed().size(), structure.flag());
                assertEquals(once.removed().size(), it.removed().size(), structure.flag());
                for (int l = 0; l < once.changes().size(); l++)
                    assertEquals(once.changes().get(l).after(), it.changes().get(l).after(), structure.flag() + " layer " + l + ": one shot's count");
                for (PruneGroup g : r1.removed()) {
                    int layer = it.layers().indexOf(it.layers().stream().filter(x -> x.groups().contains(g)).findFirst().orElseThrow());
                    assertTrue(Float.isNaN(r2.scores().get(layer)[g.index()]), "round 2 does not score what round 1 removed");
                }
                assertTrue(it.changes().get(0).removed().size() == it.changes().get(0).before() - it.changes().get(0).after());
                LmWeights direct = w.compacted(it.removed());
                assertEquals(direct.config().hiddenSize(), it.compacted().config().hiddenSize());
                for (var e : direct.values().entrySet()) {
                    float[] got = it.compacted().values().get(e.getKey());
                    for (int i = 0; i < got.length; i++) assertEquals(e.getValue()[i], got[i], 1e-6f * Math.max(1, Math.abs(got[i])), e.getKey() + "[" + i + "]");
                }
                assertEquals(direct.config().normEps(), it.compacted().config().normEps(), 1e-15);
            }
            // Blocks by block influence in two rounds: round 2 scores the 3-block model in memory (LmWeights.inference).
            StructuredLmPruner.Result blocks = StructuredLmPruner.prune(w, DecoderModel.open(ck), calib,
                    new StructuredLmPruner.Settings(Structure.BLOCKS, LmCriterion.BLOCK_INFLUENCE, 0.5, Scope.LAYER, null, 2, 2));
            assertEquals(List.of(1, 1), blocks.rounds().stream().map(r -> r.removed().size()).toList());
            assertEquals(2, blocks.compacted().config().layers());
            float[] second = blocks.rounds().get(1).scores().get(0);
            int gone = blocks.rounds().get(0).removed().get(0).index();
            for (int i = 0; i < 4; i++) assertEquals(i == gone, Float.isNaN(second[i]), "round 2 scores the 3 blocks left: " + Arrays.toString(second));
            var e = assertThrows(IllegalArgumentException.class,
                    () -> new StructuredLmPruner.Settings(Structure.BLOCKS, null, 0, Scope.LAYER, List.of(1), 1, 2));
            assertTrue(e.getMessage().contains("--schedule iterative:2") && e.getMessage().contains("--blocks-to-remove"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> prune(w, Structure.HIDDEN, 0.99, Scope.LAYER));
            assertTrue(e.getMessage().startsWith("--sparsity 0.99 would remove every hidden dimension (32)") && e.getMessage().contains("at most 31 of 32"),
                    e.getMessage());
        }
    }

    @Test
    void fineTuningTheCompactedModelLowersItsLoss() throws Exception {
        RandomCheckpoint.write(tmp.resolve("ft"), FOUR_BLOCKS, DType.BF16, 3, 0);
        try (HfCheckpoint ck = HfCheckpoint.open(tmp.resolve("ft"))) {
            LmWeights w = LmWeights.read(ck);
            StructuredLmPruner.Result r = blocks(w, List.of(1, 3));
            int[] text = new int[600];
            for (int i = 0; i < text.length; i++) text[i] = (i * 7) % 13;   // a periodic stream: easy to learn
            double[] first = {Double.NaN}, last = {Double.NaN};
            LmWeights tuned = LmFinetuner.finetune(r.compacted(), text, new LmFinetuner.Settings(30, 1e-2, 4, 16, 1), new jprune.lm.train.LmTrainer.Listener() {
                @Override
                public void step(int step, double loss, double lr, double gradNorm) {
                    if (step == 0) first[0] = loss;
                    last[0] = loss;
                }
            });
            assertTrue(last[0] < 0.5 * first[0], first[0] + " -> " + last[0]);
            assertEquals(r.compacted().config(), tuned.config());
            assertEquals(DType.BF16, tuned.dtypes().get("model.layers.1.mlp.down_proj.weight"));
        }
    }
}
