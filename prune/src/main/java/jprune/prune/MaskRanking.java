package jprune.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Chooses which units to remove, given each layer's unit scores and current unit mask. A unit is
 * whatever a granularity removes together: a weight, a block, a channel. Layer scope (and any layer
 * with an override) removes round(target × units) per layer; global scope ranks every surviving unit
 * of the remaining layers together and removes the lowest until round(sparsity × all units) are gone.
 * Removed units stay removed, a layer never exceeds the spec's cap, and a layer always keeps at least
 * one unit, so it cannot collapse. Ties go by layer order, then index, so results are reproducible.
 */
final class MaskRanking {
    /** One layer's units: its name (for overrides), its scores and its mask (1 kept, 0 removed; updated in place). */
    record Layer(String name, float[] score, float[] mask) {
        Layer {
            if (score.length != mask.length) throw new IllegalArgumentException(name + ": " + score.length + " scores for " + mask.length + " units");
        }

        int removed() {
            int z = 0;
            for (float m : mask) if (m == 0f) z++;
            return z;
        }
    }

    private MaskRanking() {}

    /** Updates every layer's mask toward the spec (kept layers must already be left out); returns units removed per layer, in order. */
    static int[] apply(List<Layer> layers, PruneSpec spec) {
        int[] removed = new int[layers.size()];
        List<Integer> ranked = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            if (spec.scope() == Scope.LAYER || spec.hasOverride(layer.name()))
                removed[l] = pruneLayer(layer, cap(layer.mask.length, spec.layerTarget(layer.name()), spec));
            else ranked.add(l);
        }
        if (!ranked.isEmpty()) pruneGlobal(layers, ranked, spec, removed);
        return removed;
    }

    /** Units a layer may have removed: the target count, within the cap, leaving at least one. */
    static int cap(int n, double target, PruneSpec spec) {
        int want = (int) Math.rint(target * n);
        return Math.max(0, Math.min(want, limit(n, spec)));
    }

    private static int limit(int n, PruneSpec spec) {
        return Math.min(n - 1, (int) Math.floor(spec.maxLayerSparsity() * n));
    }

    private static int pruneLayer(Layer layer, int count) {
        int already = layer.removed();
        if (count > already) {
            Integer[] order = survivorsByScore(layer.mask, layer.score);
            for (int i = 0; i < count - already; i++) layer.mask[order[i]] = 0f;
        }
        return Math.max(count, already);
    }

    private static void pruneGlobal(List<Layer> layers, List<Integer> ranked, PruneSpec spec, int[] removed) {
        long total = 0, already = 0;
        int survivors = 0;
        int[] limit = new int[layers.size()];
        for (int l : ranked) {
            Layer layer = layers.get(l);
            removed[l] = layer.removed();
            survivors += layer.mask.length - removed[l];
            total += layer.mask.length;
            already += removed[l];
            limit[l] = Math.max(removed[l], limit(layer.mask.length, spec));
        }
        long goal = (long) Math.rint(spec.sparsity() * total);
        // Every surviving unit, ranked by score across layers (ties by layer, then index).
        long[] keys = new long[survivors];
        float[] keyScore = new float[survivors];
        int k = 0;
        for (int l : ranked) {
            float[] s = layers.get(l).score, m = layers.get(l).mask;
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
            if (removed[l] >= limit[l]) continue;   // capped layer: the next unit elsewhere goes instead
            layers.get(l).mask[idx] = 0f;
            removed[l]++;
            already++;
        }
    }

    /** Indices of kept units, lowest score first (ties by index). */
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
