package jprune.prune;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What one pruning step aims for. sparsity is the fraction of the targeted weights that are zero
 * after the step (already-pruned weights count and stay pruned). Layers with an override reach it on
 * their own, whatever the scope. Per-layer overrides and kept
 * layers are matched by regular expressions on parameter names (e.g. "fc3\\.weight"); maxLayerSparsity
 * caps any layer; a layer always keeps at least one weight, so it cannot collapse.
 */
public record PruneSpec(double sparsity, Scope scope, List<Override> overrides, List<Pattern> keep, double maxLayerSparsity) {
    /** A per-layer sparsity for parameters whose name matches. */
    public record Override(Pattern pattern, double sparsity) {
        public Override {
            checkFraction("override for '" + pattern + "'", sparsity);
        }
    }

    public PruneSpec {
        checkFraction("sparsity", sparsity);
        if (!(maxLayerSparsity > 0 && maxLayerSparsity <= 1))
            throw new IllegalArgumentException("max layer sparsity must be in (0, 1], got " + maxLayerSparsity);
        overrides = List.copyOf(overrides);
        keep = List.copyOf(keep);
    }

    public static PruneSpec of(double sparsity, Scope scope) {
        return new PruneSpec(sparsity, scope, List.of(), List.of(), 1.0);
    }

    /** The same spec with another target (schedules step the target, everything else stays). */
    public PruneSpec withSparsity(double s) {
        return new PruneSpec(s, scope, overrides, keep, maxLayerSparsity);
    }

    static void checkFraction(String what, double v) {
        if (!(v >= 0 && v < 1)) throw new IllegalArgumentException(what + " must be in [0, 1), got " + v);
    }

    boolean kept(String name) {
        return keep.stream().anyMatch(p -> p.matcher(name).matches());
    }

    boolean hasOverride(String name) {
        return overrides.stream().anyMatch(o -> o.pattern().matcher(name).matches());
    }

    /** The layer's own target: its override, if any, else the spec's sparsity. */
    double layerTarget(String name) {
        for (Override o : overrides) if (o.pattern().matcher(name).matches()) return o.sparsity();
        return sparsity;
    }
}
