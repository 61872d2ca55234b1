package jprune.prune;

import java.util.List;

/**
 * The groups that compete with each other in layer scope: the heads of one attention layer, the
 * neurons of one MLP, the channels of one layer, or the blocks of a model. Per-layer caps and
 * overrides match {@link #name}; a layer always keeps at least one group.
 */
public record GroupLayer(String name, Structure structure, List<PruneGroup> groups) {
    public GroupLayer {
        groups = List.copyOf(groups);
        if (groups.isEmpty()) throw new IllegalArgumentException("layer '" + name + "' has no " + structure.flag());
    }

    public int size() {
        return groups.size();
    }
}
