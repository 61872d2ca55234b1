package jprune.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.tensor.Tensor;

/**
 * Structured pruning by dependency groups ({@link ModelGroups}): heads, MLP neurons, blocks or
 * channels. Each group gets a score (from a {@link GroupCriterion}, or the mean of a weight
 * criterion's scores over the group's own weights, so the magnitude criterion gives a unit's mean
 * |w| and magnitude-l2 its mean w²); {@link MaskRanking} picks the lowest per layer or globally, a
 * layer always keeping one group; every parameter slice of a removed group is then masked, so the
 * group contributes exact zeros and {@link Compactor} can delete it without changing any output.
 */
public final class GroupPruner implements Pruner {
    private final Module model;
    private final Structure structure;

    public GroupPruner(Module model, Structure structure) {
        this.model = java.util.Objects.requireNonNull(model, "model");
        this.structure = java.util.Objects.requireNonNull(structure, "structure");
        ModelGroups.of(model, structure);   // fails now, naming the flag, if the model lacks the structure
    }

    public Structure structure() {
        return structure;
    }

    /** The model this pruner prunes: its groups were found in it, whatever parameters prune() is given. */
    public Module model() {
        return model;
    }

    /** Masks groups toward the spec; returns the groups each layer has lost in total. */
    @Override
    public Map<String, Integer> prune(Map<String, Parameter> ignored, Criterion criterion, PruneSpec spec) {
        Map<String, Parameter> params = model.namedParameters();
        List<GroupLayer> layers = new ArrayList<>();
        List<float[]> scores = new ArrayList<>(), masks = new ArrayList<>();
        Map<String, Tensor> elementScores = new HashMap<>();
        for (GroupLayer layer : ModelGroups.of(model, structure)) {
            if (spec.kept(layer.name())) continue;
            float[] score = criterion instanceof GroupCriterion g ? g.scoreGroups(layer, params) : meanOwnScore(layer, params, criterion, elementScores);
            layers.add(layer);
            scores.add(score);
            masks.add(keptMask(layer, params));
        }
        int[] removed = GroupSelection.select(layers, scores, masks, spec);
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int l = 0; l < layers.size(); l++) {
            float[] keep = masks.get(l);
            for (PruneGroup g : layers.get(l).groups()) if (keep[g.index()] == 0f) zero(g, params);
            out.put(layers.get(l).name(), removed[l]);
        }
        return out;
    }

    /** Fails, naming the most the model allows, if the spec would leave some layer without a group; see {@link GroupSelection#checkReachable}. */
    public void checkReachable(PruneSpec spec) {
        GroupSelection.checkReachable(ModelGroups.of(model, structure), spec);
    }

    /** 1 for each group still present (some own parameter entry unmasked), 0 for removed ones. */
    static float[] keptMask(GroupLayer layer, Map<String, Parameter> params) {
        float[] m = new float[layer.size()];
        for (PruneGroup g : layer.groups()) m[g.index()] = isRemoved(g, params) ? 0f : 1f;
        return m;
    }

    /** Whether every entry of the group's own parameter slices is masked. */
    static boolean isRemoved(PruneGroup g, Map<String, Parameter> params) {
        boolean[] any = {false};
        for (GroupSlice s : g.slices()) {
            Parameter p = params.get(s.tensor());
            if (s.output() || p == null) continue;
            if (!p.hasMask()) return false;
            float[] mask = p.mask().data();
            GroupSlices.forEach(p.shape(), s, i -> any[0] |= mask[i] != 0f);
            if (any[0]) return false;
        }
        return true;
    }

    /** Masks every parameter slice of the group (buffers such as running statistics are left to compaction). */
    static void zero(PruneGroup g, Map<String, Parameter> params) {
        Map<Parameter, float[]> masks = new LinkedHashMap<>();
        for (GroupSlice s : g.slices()) {
            Parameter p = params.get(s.tensor());
            if (p == null) continue;
            float[] m = masks.computeIfAbsent(p, q -> {
                if (q.hasMask()) return q.mask().data().clone();
                float[] ones = new float[q.numel()];
                Arrays.fill(ones, 1f);
                return ones;
            });
            GroupSlices.forEach(p.shape(), s, i -> m[i] = 0f);
        }
        masks.forEach((p, m) -> p.setMask(Tensor.of(m, p.shape())));
    }

    /**
     * The mean of the criterion's scores over each group's own weight slices (not biases, norms or
     * the consumer's columns): how a weight criterion such as magnitude scores groups. Public for the
     * language-model pruner, which scores its checkpoint's groups the same way.
     */
    public static float[] meanOwnScore(GroupLayer layer, Map<String, Parameter> params, Criterion c, Map<String, Tensor> cache) {
        float[] out = new float[layer.size()];
        for (PruneGroup g : layer.groups()) {
            double sum = 0;
            long n = 0;
            for (GroupSlice s : g.slices()) {
                Parameter p = params.get(s.tensor());
                if (s.output() || p == null || p.kind() != Parameter.Kind.WEIGHT) continue;
                float[] score = cache.computeIfAbsent(s.tensor(), k -> c.score(k, p)).data();
                double[] acc = {0};
                GroupSlices.forEach(p.shape(), s, i -> acc[0] += score[i]);
                sum += acc[0];
                n += (long) s.length() * (p.numel() / p.shape()[s.axis()]);
            }
            if (n == 0) throw new IllegalArgumentException("criterion '" + c.name() + "' scores weights, and " + layer.name() + " group " + g.index()
                    + " has none of its own; use a group criterion (taylor, gate)");
            out[g.index()] = (float) (sum / n);
        }
        return out;
    }
}
