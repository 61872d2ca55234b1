package jprune.lm.structured;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.LmConfig;
import jprune.lm.prune.CalibrationSamples;
import jprune.prune.GroupLayer;
import jprune.prune.GroupSelection;
import jprune.prune.PruneGroup;
import jprune.prune.PruneSpec;
import jprune.prune.Scope;
import jprune.prune.Structure;

/**
 * Structured pruning of a language model: its heads, MLP neurons or blocks ({@link LmGroups}) are
 * scored ({@link LmGroupScores}), the lowest removed per layer or globally by
 * {@link GroupSelection} (each layer keeps one head and one neuron, the model one block), or the
 * blocks named explicitly are removed, and the model comes back compacted: the groups' slices
 * deleted, not masked.
 */
public final class StructuredLmPruner {
    /**
     * What to remove. blocksToRemove (structure blocks only) names the blocks instead of scoring
     * them; then sparsity and criterion are not used.
     */
    public record Settings(Structure structure, LmCriterion criterion, double sparsity, Scope scope, List<Integer> blocksToRemove, int calibrationBatch) {
        public Settings {
            LmGroups.requireLanguageModelStructure(structure);
            if (blocksToRemove != null) {
                if (structure != Structure.BLOCKS) throw new IllegalArgumentException("--blocks-to-remove needs --granularity blocks");
                blocksToRemove = List.copyOf(blocksToRemove);
            } else if (!(sparsity > 0 && sparsity < 1)) {
                throw new IllegalArgumentException("--sparsity must be in (0, 1) (the fraction of " + structure.flag() + " removed), got " + sparsity);
            }
        }
    }

    /** One layer's count before and after (heads: query heads, with key/value heads beside). */
    public record LayerChange(String name, int before, int after, int kvBefore, int kvAfter) {}

    /**
     * The outcome: the compacted model, the removed groups (in the input's numbering), the layers'
     * counts, and the scores (null for an explicit block list).
     */
    public record Result(LmWeights compacted, List<PruneGroup> removed, List<LayerChange> changes, List<GroupLayer> layers, List<float[]> scores) {}

    private StructuredLmPruner() {}

    /** Prunes w; dense is the inference model of the same weights (block criteria), calib the calibration samples (or null for magnitude). */
    public static Result prune(LmWeights w, DecoderModel dense, CalibrationSamples calib, Settings s) {
        LmConfig c = w.config();
        List<GroupLayer> layers = LmGroups.of(c, s.structure());
        List<float[]> scores = null;
        List<float[]> kept = new ArrayList<>();
        for (GroupLayer l : layers) {
            float[] k = new float[l.size()];
            java.util.Arrays.fill(k, 1f);
            kept.add(k);
        }
        if (s.blocksToRemove() != null) {
            markBlocks(c.layers(), s.blocksToRemove(), kept.get(0));
        } else {
            PruneSpec spec = PruneSpec.of(s.sparsity(), s.scope());
            try {
                GroupSelection.checkReachable(layers, spec);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--sparsity " + e.getMessage());
            }
            scores = LmGroupScores.score(s.criterion(), layers, w, dense, calib, s.calibrationBatch());
            GroupSelection.select(layers, scores, kept, spec);
        }
        List<PruneGroup> removed = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++)
            for (PruneGroup g : layers.get(l).groups()) if (kept.get(l)[g.index()] == 0f) removed.add(g);
        LmWeights small = w.compacted(removed);
        return new Result(small, removed, changes(c, small.config(), s.structure(), kept), layers, scores);
    }

    private static void markBlocks(int blocks, List<Integer> indices, float[] kept) {
        if (indices.isEmpty()) throw new IllegalArgumentException("--blocks-to-remove lists no block");
        if (new LinkedHashSet<>(indices).size() != indices.size()) throw new IllegalArgumentException("--blocks-to-remove lists a block twice: " + indices);
        for (int i : indices)
            if (i < 0 || i >= blocks) throw new IllegalArgumentException("--blocks-to-remove: block " + i + " does not exist; the model has blocks 0.." + (blocks - 1));
        if (indices.size() >= blocks)
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--blocks-to-remove would remove all %d blocks; one must stay", blocks));
        for (int i : indices) kept[i] = 0f;
    }

    private static List<LayerChange> changes(LmConfig before, LmConfig after, Structure s, List<float[]> kept) {
        List<LayerChange> out = new ArrayList<>();
        if (s == Structure.BLOCKS) {
            float[] k = kept.get(0);
            for (int l = 0; l < before.layers(); l++) {
                int stays = k[l] != 0f ? 1 : 0;
                out.add(new LayerChange(LmGroups.blockPrefix(before, l).replaceAll("\\.$", ""), 1, stays, 1, stays));
            }
            return out;
        }
        for (int l = 0; l < before.layers(); l++) {
            String b = LmGroups.blockPrefix(before, l);
            if (s == Structure.HEADS)
                out.add(new LayerChange(b + (before.family() == LmConfig.Family.GPT2 ? "attn" : "self_attn"), before.heads(l), after.heads(l),
                        before.kvHeads(l), after.kvHeads(l)));
            else out.add(new LayerChange(b + "mlp", before.intermediateSize(l), after.intermediateSize(l), 0, 0));
        }
        return out;
    }
}
