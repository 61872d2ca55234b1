package jprune.lm.structured;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.LmConfig;
import jprune.lm.prune.CalibrationSamples;
import jprune.prune.GroupLayer;
import jprune.prune.GroupSelection;
import jprune.prune.PruneGroup;
import jprune.prune.PruneSpec;
import jprune.prune.Scope;
import jprune.prune.SparsitySchedule;
import jprune.prune.Structure;

/**
 * Structured pruning of a language model: its heads, MLP neurons, blocks or residual-stream
 * dimensions ({@link LmGroups}) are scored ({@link LmGroupScores}), the lowest removed per layer or
 * globally by {@link GroupSelection} (each layer keeps one head and one neuron, the model one block
 * and one hidden dimension), or the blocks named explicitly are removed, and the model comes back
 * compacted: the groups' slices deleted, not masked.
 *
 * <p>An iterative schedule runs R rounds. Round r scores the current, already compacted model, removes
 * groups until the fraction of the input's groups removed reaches {@link SparsitySchedule.Iterative#sparsityAfter}
 * (the final round exactly the target), compacts, and hands the model to a {@link RoundEnd} (the caller's
 * fine-tuning), whose result the next round scores. Which groups are gone is kept as masks over the
 * input's groups, so every removed index is reported in the input's numbering, and layer scope ends
 * with the same count per layer as one shot.
 */
public final class StructuredLmPruner {
    /**
     * What to remove. blocksToRemove (structure blocks only) names the blocks instead of scoring
     * them; then sparsity and criterion are not used. rounds is 1 for one shot, R for iterative:R.
     */
    public record Settings(Structure structure, LmCriterion criterion, double sparsity, Scope scope, List<Integer> blocksToRemove, int calibrationBatch,
                           int rounds) {
        public Settings {
            LmGroups.requireLanguageModelStructure(structure);
            if (rounds < 1) throw new IllegalArgumentException("--schedule iterative:R needs R >= 1, got " + rounds);
            if (blocksToRemove != null) {
                if (structure != Structure.BLOCKS) throw new IllegalArgumentException("--blocks-to-remove needs --granularity blocks");
                if (rounds > 1)
                    throw new IllegalArgumentException("--schedule iterative:" + rounds + " re-scores the model every round, and --blocks-to-remove names the blocks "
                            + "once: use --schedule oneshot, or --sparsity with a block --criterion");
                blocksToRemove = List.copyOf(blocksToRemove);
            } else if (!(sparsity > 0 && sparsity < 1)) {
                throw new IllegalArgumentException("--sparsity must be in (0, 1) (the fraction of " + (structure == Structure.HIDDEN ? "the residual width"
                        : structure.flag()) + " removed), got " + sparsity);
            }
        }

        /** One shot. */
        public Settings(Structure structure, LmCriterion criterion, double sparsity, Scope scope, List<Integer> blocksToRemove, int calibrationBatch) {
            this(structure, criterion, sparsity, scope, blocksToRemove, calibrationBatch, 1);
        }
    }

    /**
     * One layer's count before and after (heads: query heads, with key/value heads beside), and the
     * indices removed from it in the input's numbering (heads: key/value groups; hidden: dimensions).
     */
    public record LayerChange(String name, int before, int after, int kvBefore, int kvAfter, List<Integer> removed) {}

    /**
     * One round: its number (1-based), the fraction of the input's groups removed once it is done, the
     * groups it removed (the input's numbering) and their indices by layer name, its scores (the
     * input's numbering; NaN for groups gone earlier; null for an explicit block list) and the
     * parameters of the model it left.
     */
    public record Round(int round, double targetSparsity, List<PruneGroup> removed, Map<String, List<Integer>> removedByLayer, List<float[]> scores,
                        long parameters) {}

    /** What follows each round's compaction (fine-tuning): the model the next round scores, or the result after the last. */
    @FunctionalInterface
    public interface RoundEnd {
        LmWeights after(Round round, LmWeights pruned);
    }

    /**
     * The outcome: the final model (compacted, and after the last {@link RoundEnd}), the removed groups
     * (in the input's numbering), the layers' counts, the input's groups, the first round's scores (of
     * the input; null for an explicit block list) and every round.
     */
    public record Result(LmWeights compacted, List<PruneGroup> removed, List<LayerChange> changes, List<GroupLayer> layers, List<float[]> scores,
                         List<Round> rounds) {}

    private StructuredLmPruner() {}

    /** Prunes w in one or more rounds without anything between them; see {@link #prune(LmWeights, DecoderModel, CalibrationSamples, Settings, RoundEnd)}. */
    public static Result prune(LmWeights w, DecoderModel dense, CalibrationSamples calib, Settings s) {
        return prune(w, dense, calib, s, (round, pruned) -> pruned);
    }

    /**
     * Prunes w; dense is the inference model of the same weights (block criteria; later rounds build
     * their own), calib the calibration samples (or null for magnitude), end what runs after each round.
     */
    public static Result prune(LmWeights w, DecoderModel dense, CalibrationSamples calib, Settings s, RoundEnd end) {
        LmConfig c = w.config();
        List<GroupLayer> layers = LmGroups.of(c, s.structure());
        List<float[]> kept = new ArrayList<>();
        for (GroupLayer l : layers) {
            float[] k = new float[l.size()];
            Arrays.fill(k, 1f);
            kept.add(k);
        }
        List<Round> rounds = new ArrayList<>();
        LmWeights current = w;
        if (s.blocksToRemove() != null) {
            markBlocks(c.layers(), s.blocksToRemove(), kept.get(0));
            List<PruneGroup> removed = removedNow(layers, kept, null, layers);
            current = w.compacted(removed);
            Round round = new Round(1, removed.size() / (double) c.layers(), removed, byLayer(layers, kept, null), null, current.parameterCount());
            rounds.add(round);
            current = end.after(round, current);
        } else {
            PruneSpec spec = PruneSpec.of(s.sparsity(), s.scope());
            checkReachable(layers, spec);
            SparsitySchedule.Iterative schedule = new SparsitySchedule.Iterative(s.rounds());
            DecoderModel model = dense;
            for (int r = 1; r <= s.rounds(); r++) {
                double target = r == s.rounds() ? s.sparsity() : schedule.sparsityAfter(r, s.sparsity());
                List<GroupLayer> now = LmGroups.of(current.config(), s.structure());
                if (r > 1 && (s.criterion() == LmCriterion.BLOCK_INFLUENCE || s.criterion() == LmCriterion.SKIP_LOSS)) model = current.inference();
                List<float[]> scores = inInputNumbering(LmGroupScores.score(s.criterion(), now, current, model, calib, s.calibrationBatch()), kept);
                List<float[]> before = kept.stream().map(float[]::clone).toList();
                GroupSelection.select(layers, scores, kept, spec.withSparsity(target));
                List<PruneGroup> removed = removedNow(layers, kept, before, now);
                current = current.compacted(removed);
                Round round = new Round(r, target, originals(layers, kept, before), byLayer(layers, kept, before), scores, current.parameterCount());
                rounds.add(round);
                current = end.after(round, current);
            }
        }
        List<PruneGroup> removed = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++)
            for (PruneGroup g : layers.get(l).groups()) if (kept.get(l)[g.index()] == 0f) removed.add(g);
        return new Result(current, removed, changes(c, current.config(), s.structure(), layers, kept), layers, rounds.get(0).scores(), List.copyOf(rounds));
    }

    /** GroupSelection's reachability; errors name --sparsity. */
    private static void checkReachable(List<GroupLayer> layers, PruneSpec spec) {
        try {
            GroupSelection.checkReachable(layers, spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--sparsity " + e.getMessage());
        }
    }

    /** The current model's scores placed at their groups' input indices (the survivors, in order); NaN where a group is gone. */
    private static List<float[]> inInputNumbering(List<float[]> scores, List<float[]> kept) {
        List<float[]> out = new ArrayList<>();
        for (int l = 0; l < kept.size(); l++) {
            float[] k = kept.get(l), s = new float[k.length], cur = scores.get(l);
            int j = 0;
            for (int i = 0; i < k.length; i++) s[i] = k[i] != 0f ? cur[j++] : Float.NaN;
            out.add(s);
        }
        return out;
    }

    /**
     * The groups of the current model (now: its groups, numbered among the survivors before this
     * round) that this round removed; before null means every group was present.
     */
    private static List<PruneGroup> removedNow(List<GroupLayer> input, List<float[]> kept, List<float[]> before, List<GroupLayer> now) {
        List<PruneGroup> out = new ArrayList<>();
        for (int l = 0; l < input.size(); l++) {
            float[] k = kept.get(l), b = before == null ? null : before.get(l);
            int j = 0;
            for (int i = 0; i < k.length; i++) {
                if (b != null && b[i] == 0f) continue;
                if (k[i] == 0f) out.add(now.get(l).groups().get(j));
                j++;
            }
        }
        return out;
    }

    /** The input's groups this round removed. */
    private static List<PruneGroup> originals(List<GroupLayer> input, List<float[]> kept, List<float[]> before) {
        List<PruneGroup> out = new ArrayList<>();
        for (int l = 0; l < input.size(); l++)
            for (PruneGroup g : input.get(l).groups()) if (before.get(l)[g.index()] != 0f && kept.get(l)[g.index()] == 0f) out.add(g);
        return out;
    }

    /** Indices (the input's numbering) removed since before (null: since the start), by layer name; layers without removals left out. */
    private static Map<String, List<Integer>> byLayer(List<GroupLayer> input, List<float[]> kept, List<float[]> before) {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        for (int l = 0; l < input.size(); l++) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < kept.get(l).length; i++) if (kept.get(l)[i] == 0f && (before == null || before.get(l)[i] != 0f)) idx.add(i);
            if (!idx.isEmpty()) out.put(input.get(l).name(), List.copyOf(idx));
        }
        return out;
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

    private static List<LayerChange> changes(LmConfig before, LmConfig after, Structure s, List<GroupLayer> layers, List<float[]> kept) {
        List<LayerChange> out = new ArrayList<>();
        switch (s) {
            case BLOCKS -> {
                float[] k = kept.get(0);
                for (int l = 0; l < before.layers(); l++) {
                    int stays = k[l] != 0f ? 1 : 0;
                    out.add(new LayerChange(LmGroups.blockPrefix(before, l).replaceAll("\\.$", ""), 1, stays, 1, stays, stays == 1 ? List.of() : List.of(l)));
                }
            }
            case HIDDEN -> out.add(new LayerChange(layers.get(0).name(), before.hiddenSize(), after.hiddenSize(), 0, 0, removedIndices(kept.get(0))));
            case HEADS -> {
                for (int l = 0; l < before.layers(); l++)
                    out.add(new LayerChange(layers.get(l).name(), before.heads(l), after.heads(l), before.kvHeads(l), after.kvHeads(l), removedIndices(kept.get(l))));
            }
            case MLP_NEURONS -> {
                for (int l = 0; l < before.layers(); l++)
                    out.add(new LayerChange(layers.get(l).name(), before.intermediateSize(l), after.intermediateSize(l), 0, 0, removedIndices(kept.get(l))));
            }
            case CHANNELS -> throw new AssertionError();
        }
        return out;
    }

    private static List<Integer> removedIndices(float[] kept) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < kept.length; i++) if (kept[i] == 0f) out.add(i);
        return out;
    }
}
