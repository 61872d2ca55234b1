package jprune.lm.prune;

import java.util.regex.Pattern;

/**
 * How a one-shot run prunes: the method, the target pattern, which projections (by name, regex
 * found anywhere in it: --layers selects, --skip then removes), and SparseGPT's block size and
 * dampening.
 */
public record OneShotSettings(PruneMethod method, SparsityPattern pattern, Pattern layers, Pattern skip, int blocksize, double percdamp) {

    public OneShotSettings {
        java.util.Objects.requireNonNull(method, "method");
        java.util.Objects.requireNonNull(pattern, "pattern");
        if (blocksize < 1) throw new IllegalArgumentException("--blocksize must be >= 1, got " + blocksize);
        if (!(percdamp >= 0 && percdamp < 1)) throw new IllegalArgumentException("--percdamp must be in [0, 1), got " + percdamp);
        if (method == PruneMethod.SPARSEGPT && pattern.isNofM() && blocksize % pattern.m() != 0)
            throw new IllegalArgumentException("--blocksize " + blocksize + " must be a multiple of M = " + pattern.m() + " for --pattern " + pattern);
    }

    public static OneShotSettings of(PruneMethod method, SparsityPattern pattern) {
        return new OneShotSettings(method, pattern, null, null, SparseGptPruner.DEFAULT_BLOCK, SparseGptPruner.DEFAULT_DAMP);
    }

    /** Whether the projection named name is pruned. */
    public boolean selects(String name) {
        return (layers == null || layers.matcher(name).find()) && (skip == null || !skip.matcher(name).find());
    }
}
