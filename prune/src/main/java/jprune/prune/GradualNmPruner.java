package jprune.prune;

import java.util.LinkedHashMap;
import java.util.Map;
import jprune.nn.Parameter;

/**
 * N:M sparsity reached in steps, so a schedule (AGP's cubic curve, or iterative rounds) can lead
 * a dense model to it gradually: at a scheduled sparsity s, every group of M weights has
 * round(s·M) zeros (never more than the target's M − N), the pattern (M − zeros):M. Along the cubic
 * schedule to 2:4 the zeros per group grow 0 → 1 → 2, that is 4:4 → 3:4 → 2:4. A step keeps only
 * weights the previous step kept ({@link NmPruner} ranks earlier-pruned weights last), so a pruned
 * weight stays pruned. At the target's own sparsity (one-shot) it is the plain {@link NmPruner}.
 */
public final class GradualNmPruner implements Pruner {
    private final NmPruner target;

    public GradualNmPruner(NmPruner target) {
        this.target = target;
    }

    public NmPruner target() {
        return target;
    }

    /** Zeros per group of M at scheduled sparsity s: the nearest whole number, capped at the target's. */
    public int zerosPerGroup(double sparsity) {
        int m = target.m();
        return (int) Math.min(m - target.n(), Math.floor(sparsity * m + 0.5));
    }

    @Override
    public Map<String, Integer> prune(Map<String, Parameter> params, Criterion criterion, PruneSpec spec) {
        int zeros = zerosPerGroup(spec.sparsity());
        if (zeros > 0) return new NmPruner(target.m() - zeros, target.m()).prune(params, criterion, spec);
        // Still dense on this schedule: nothing to remove yet.
        Map<String, Integer> out = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            if (!spec.kept(name)) out.put(name, p.numel() - p.countUnmasked());
        });
        return out;
    }
}
