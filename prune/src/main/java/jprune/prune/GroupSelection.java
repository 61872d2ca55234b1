package jprune.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which groups go, given their scores: per layer or in one global ranking ({@link MaskRanking}),
 * each layer keeping at least one group, and checks that a spec can be met at all. Used by
 * {@link GroupPruner} for vision models and by the language-model pruner.
 */
public final class GroupSelection {
    private GroupSelection() {}

    /**
     * Updates keptMasks (1 kept, 0 removed; one per layer, updated in place) toward the spec from
     * the scores (higher = keep); layers whose name the spec keeps must be left out by the caller.
     * Returns the groups removed in total per layer.
     */
    public static int[] select(List<GroupLayer> layers, List<float[]> scores, List<float[]> keptMasks, PruneSpec spec) {
        List<MaskRanking.Layer> ranked = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) ranked.add(new MaskRanking.Layer(layers.get(l).name(), scores.get(l), keptMasks.get(l)));
        return MaskRanking.apply(ranked, spec);
    }

    /** Where the groups of a layer live, for messages: a hidden dimension is the model's by definition. */
    private static String where(Structure structure, GroupLayer layer) {
        return switch (structure) {
            case HIDDEN -> "";
            case BLOCKS -> " of the model";
            default -> " of " + layer.name();
        };
    }

    /**
     * Fails if the spec asks for every group of a layer (layer scope, an override, or blocks and hidden
     * dimensions, which each form one layer) or for more groups than global ranking can take while each layer keeps one,
     * naming the most the model allows; rather that than silently removing fewer than asked.
     */
    public static void checkReachable(List<GroupLayer> layers, PruneSpec spec) {
        long total = 0, count = 0;
        String unit = null;
        for (GroupLayer layer : layers) {
            if (spec.kept(layer.name())) continue;
            Structure structure = layer.structure();
            unit = structure.unit();
            int n = layer.size();
            // Blocks and hidden dimensions form one layer spanning the whole model.
            boolean wholeModel = structure == Structure.BLOCKS || structure == Structure.HIDDEN;
            if (spec.scope() == Scope.LAYER || spec.hasOverride(layer.name()) || wholeModel) {
                double target = spec.layerTarget(layer.name());
                if (Math.rint(target * n) >= n)
                    throw new IllegalArgumentException(String.format(Locale.ROOT,
                            "%s would remove every %s%s (%d); one must stay, so at most %d of %d (sparsity %.4f)",
                            target, unit, where(structure, layer), n, n - 1, n, (n - 1.0) / n));
            } else {
                total += n;
                count++;
            }
        }
        if (count > 0 && Math.rint(spec.sparsity() * total) > total - count)
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s would remove %d of %d %ss, but each of the %d layers keeps one, so at most %d (sparsity %.4f)",
                    spec.sparsity(), (long) Math.rint(spec.sparsity() * total), total, unit, count, total - count, (total - count) / (double) total));
    }
}
