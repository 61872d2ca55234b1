package jprune.prune;

import java.util.List;
import java.util.OptionalDouble;
import jprune.nn.Module;

/**
 * A granularity by the name flags and recipes use: {@code unstructured}, {@code N:M} (such as 2:4),
 * {@code block:RxC} (such as block:4x4), {@code channels} (also {@code neurons}, {@code filters}),
 * or the transformer structures {@code heads}, {@code mlp-neurons}, {@code blocks} and {@code hidden}.
 * Parsing validates the name; {@link #pruner(Module)} builds the pruner for one model.
 */
public final class Granularity {
    /** The names that select channel (neuron and filter) pruning. */
    public static final List<String> CHANNEL_NAMES = List.of("channels", "neurons", "filters");

    private final String name;
    private final NmPruner nm;
    private final BlockPruner block;

    private Granularity(String name, NmPruner nm, BlockPruner block) {
        this.name = name;
        this.nm = nm;
        this.block = block;
    }

    /** Parses a granularity name; a bad one fails naming the allowed forms. */
    public static Granularity parse(String name) {
        if (name == null) name = "";
        if (name.matches("\\d+:\\d+")) {
            try {
                return new Granularity(name, NmPruner.parse(name), null);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("granularity: " + e.getMessage(), e);
            }
        }
        if (name.equals("unstructured") || Structure.byFlag(name) != null) return new Granularity(name, null, null);
        if (name.startsWith("block:")) {
            try {
                return new Granularity(name, null, BlockPruner.parse(name.substring("block:".length())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("granularity: " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException("granularity must be unstructured, N:M (such as 2:4), block:RxC (such as block:4x4), channels (or neurons, filters), heads, mlp-neurons, blocks or hidden, got '" + name + "'");
    }

    /** The name as given. */
    public String name() {
        return name;
    }

    /** Whether whole channels are pruned. */
    public boolean isChannels() {
        return CHANNEL_NAMES.contains(name);
    }

    /** The structure removed whole (channels, heads, MLP neurons, blocks), or null for weight-level granularities. */
    public Structure structure() {
        return Structure.byFlag(name);
    }

    /** Whether whole structures are removed, so the model can be compacted afterwards. */
    public boolean isStructured() {
        return structure() != null;
    }

    /** The sparsity an N:M pattern fixes by itself; empty for the other granularities, which take a target. */
    public OptionalDouble impliedSparsity() {
        return nm == null ? OptionalDouble.empty() : OptionalDouble.of(nm.sparsity());
    }

    /**
     * A fresh pruner for this model. N:M returns the gradual N:M pruner (plain N:M when pruned in one
     * shot; on agp or iterative schedules the zeros per group grow step by step); channels need the
     * model to find which layers feed which, and fail if it has no prunable channels.
     */
    public Pruner pruner(Module model) {
        if (nm != null) return new GradualNmPruner(nm);
        if (block != null) return block;
        Structure structure = structure();
        if (structure != null) return new GroupPruner(model, structure);
        return Pruner.UNSTRUCTURED;
    }

    @Override
    public String toString() {
        return name;
    }
}
