package jprune.prune;

import java.util.Map;
import jprune.nn.Parameter;

/**
 * A granularity: how scores become masks. Implementations decide what is removed together (single
 * weights, N of every M, blocks, channels); adding one does not touch the others.
 */
@FunctionalInterface
public interface Pruner {
    /** Masks the given parameters toward the spec; returns how many entries each has masked in total. */
    Map<String, Integer> prune(Map<String, Parameter> params, Criterion criterion, PruneSpec spec);

    /** Unstructured: any single weight, per layer or globally (1×1 blocks of {@link BlockPruner}). */
    Pruner UNSTRUCTURED = new BlockPruner(1, 1);
}
