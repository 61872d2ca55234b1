package jprune.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Parameter;
import jprune.tensor.Tensor;

/**
 * Removes single weights: scores every surviving weight with a criterion and masks the lowest
 * ones, per layer or in one global ranking. Pruned weights stay pruned (masks only grow). Counts
 * follow torch.nn.utils.prune: round(sparsity × size), rounding half to even as Python does.
 */
public final class UnstructuredPruner {
    private UnstructuredPruner() {}

    /** Prunes the given parameters to the spec's target and returns how many weights each has masked in total. */
    public static Map<String, Integer> prune(Map<String, Parameter> params, Criterion criterion, PruneSpec spec) {
        LinkedHashMap<String, float[]> scores = new LinkedHashMap<>();
        LinkedHashMap<String, Parameter> targets = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            if (spec.kept(name)) return;
            targets.put(name, p);
            scores.put(name, criterion.score(name, p).data());
        });
        LinkedHashMap<String, Integer> pruned = new LinkedHashMap<>();
        // Layers with an override are pruned on their own in either scope; the rest follow the scope.
        LinkedHashMap<String, Parameter> ranked = new LinkedHashMap<>();
        targets.forEach((name, p) -> {
            if (spec.scope() == Scope.LAYER || spec.hasOverride(name))
                pruned.put(name, pruneLayer(p, scores.get(name), cap(p.numel(), spec.layerTarget(name), spec)));
            else ranked.put(name, p);
        });
        if (!ranked.isEmpty()) pruneGlobal(ranked, scores, spec, pruned);
        return pruned;
    }

    /** Weights a layer may have masked: the target count, within the cap, leaving at least one weight. */
    static int cap(int n, double target, PruneSpec spec) {
        int want = (int) Math.rint(target * n);
        int max = Math.min(n - 1, (int) Math.floor(spec.maxLayerSparsity() * n));
        return Math.max(0, Math.min(want, max));
    }

    private static int pruneLayer(Parameter p, float[] score, int count) {
        float[] mask = currentMask(p);
        int already = 0;
        for (float m : mask) if (m == 0f) already++;
        if (count > already) {
            Integer[] order = survivorsByScore(mask, score);
            for (int i = 0; i < count - already; i++) mask[order[i]] = 0f;
        }
        p.setMask(Tensor.of(mask, p.shape()));
        return Math.max(count, already);
    }

    private static void pruneGlobal(Map<String, Parameter> targets, Map<String, float[]> scores, PruneSpec spec, Map<String, Integer> pruned) {
        List<String> names = new ArrayList<>(targets.keySet());
        long total = 0;
        int survivors = 0;
        float[][] masks = new float[names.size()][];
        int[] masked = new int[names.size()], limit = new int[names.size()];
        for (int l = 0; l < names.size(); l++) {
            Parameter p = targets.get(names.get(l));
            masks[l] = currentMask(p);
            for (float m : masks[l]) if (m == 0f) masked[l]++;
            survivors += p.numel() - masked[l];
            total += p.numel();
            limit[l] = Math.max(masked[l], Math.min(p.numel() - 1, (int) Math.floor(spec.maxLayerSparsity() * p.numel())));
        }
        long goal = (long) Math.rint(spec.sparsity() * total);
        long already = Arrays.stream(masked).asLongStream().sum();
        // Every surviving weight, ranked by score across layers (ties by layer, then index).
        long[] keys = new long[survivors];
        float[] keyScore = new float[survivors];
        int k = 0;
        for (int l = 0; l < names.size(); l++) {
            float[] s = scores.get(names.get(l)), m = masks[l];
            for (int i = 0; i < m.length; i++) {
                if (m[i] == 0f) continue;
                keys[k] = ((long) l << 32) | i;
                keyScore[k++] = s[i];
            }
        }
        Integer[] order = new Integer[survivors];
        for (int i = 0; i < survivors; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            int c = Float.compare(keyScore[a], keyScore[b]);
            return c != 0 ? c : Long.compare(keys[a], keys[b]);
        });
        for (int i = 0; i < survivors && already < goal; i++) {
            long key = keys[order[i]];
            int l = (int) (key >>> 32), idx = (int) key;
            if (masked[l] >= limit[l]) continue;   // capped layer: the next weight elsewhere goes instead
            masks[l][idx] = 0f;
            masked[l]++;
            already++;
        }
        for (int l = 0; l < names.size(); l++) {
            Parameter p = targets.get(names.get(l));
            p.setMask(Tensor.of(masks[l], p.shape()));
            pruned.put(names.get(l), masked[l]);
        }
    }

    private static float[] currentMask(Parameter p) {
        if (p.hasMask()) return p.mask().data().clone();
        float[] m = new float[p.numel()];
        Arrays.fill(m, 1f);
        return m;
    }

    /** Indices of unmasked entries, lowest score first (ties by index, so results are reproducible). */
    private static Integer[] survivorsByScore(float[] mask, float[] score) {
        int n = 0;
        for (float m : mask) if (m != 0f) n++;
        Integer[] idx = new Integer[n];
        for (int i = 0, j = 0; i < mask.length; i++) if (mask[i] != 0f) idx[j++] = i;
        Arrays.sort(idx, (a, b) -> {
            int c = Float.compare(score[a], score[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        return idx;
    }
}
