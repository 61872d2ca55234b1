package jprune.lm.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.hf.HfCheckpointWriter;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.KvCache;
import jprune.lm.model.Projection;
import jprune.lm.model.ProjectionTap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sequential order of one-shot pruning: block b is calibrated on what the already pruned
 * blocks before it output, not on the dense model's activations. Checked by redoing one block's
 * SparseGPT by hand from inputs computed through the pruned block 0, for GPT-2 ([in, out] Conv1D
 * weights) and for a BF16 Llama with grouped-query attention.
 */
class SequentialPrunerTest {
    @TempDir Path tmp;

    @Test
    void blockOneIsCalibratedOnThePrunedBlockZerosOutputs() throws Exception {
        for (String name : List.of("gpt2-tied-f32", "llama-gqa-untied-bf16-sharded")) {
            try (HfCheckpoint ck = HfCheckpoint.open(Path.of("src/test/resources/lm-golden", name, "model"))) {
                DecoderModel dense = DecoderModel.open(ck);
                SplittableRandom rnd = new SplittableRandom(5);
                List<int[]> samples = new ArrayList<>();
                for (int s = 0; s < 3; s++) samples.add(rnd.ints(20, 0, dense.config().vocabSize()).toArray());
                OneShotSettings settings = OneShotSettings.of(PruneMethod.SPARSEGPT, SparsityPattern.unstructured(0.5));
                SequentialPruner.Result r;
                Path written = tmp.resolve(name);
                try (PrunedTensorStore store = new PrunedTensorStore(tmp)) {
                    r = new SequentialPruner(settings).run(dense, new CalibrationSamples(samples, "test"), store, null);
                    java.util.Map<String, HfCheckpointWriter.Fill> fills = new java.util.LinkedHashMap<>();
                    for (String t : store.names()) fills.put(t, dst -> store.copyTo(t, dst));
                    HfCheckpointWriter.rewrite(ck, written, fills);
                }
                try (HfCheckpoint out = HfCheckpoint.open(written)) {
                    DecoderModel pruned = DecoderModel.open(out);
                    Projection first = dense.projections(1).get(0);
                    float[] expected = pruneByHand(dense, pruned, first, samples);
                    float[] got = pruned.projections(1).get(0).toOutIn();
                    assertEquals(expected.length, got.length);
                    for (int i = 0; i < got.length; i++) assertEquals(expected[i], got[i], name + ": weight " + i);
                    float[] fromDenseInputs = pruneByHand(dense, dense, first, samples);
                    boolean differs = false;
                    for (int i = 0; i < got.length; i++) differs |= fromDenseInputs[i] != got[i];
                    assertTrue(differs, name + ": calibrating on the dense model's activations would give the same weights (the test could not fail)");
                    assertEquals(0.5, r.sparsity(), 0.01);
                }
            }
        }
    }

    /** SparseGPT on p (of block 1) with statistics gathered by running block 0 of upstream, then block 1 of dense. */
    private static float[] pruneByHand(DecoderModel dense, DecoderModel upstream, Projection p, List<int[]> samples) {
        InputStatistics stats = new InputStatistics(p.in(), true);
        KvCache cache = new KvCache(dense.config(), 20);
        for (int[] s : samples) {
            float[] h = upstream.embed(s, 0, s.length, 0);
            upstream.forwardBlock(0, h, s.length, cache, ProjectionTap.NONE);
            dense.forwardBlock(1, h, s.length, cache, (q, x, tokens) -> {
                if (q == p) stats.add(x, tokens);
            });
        }
        float[] w = p.toOutIn();
        SparseGptPruner.prune(w, p.out(), p.in(), SparseGptPruner.factor(stats, SparseGptPruner.DEFAULT_DAMP), SparsityPattern.unstructured(0.5),
                SparseGptPruner.DEFAULT_BLOCK);
        // rounded to the checkpoint's dtype, as the pruner stores it
        return p.withWeights(w, java.lang.foreign.Arena.ofAuto().allocate(p.weightBytes())).toOutIn();
    }
}
