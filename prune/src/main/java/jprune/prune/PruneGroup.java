package jprune.prune;

import java.util.List;

/**
 * A unit that structured pruning removes whole: an attention head (its query, key and value rows
 * and the output projection's matching columns; with grouped-query attention a key/value head and
 * the query heads that share it), an MLP neuron (its row in the up and gate projections, its column
 * in the down projection), a channel (its weight row, bias and batch-norm entries, and the next
 * layer's inputs it feeds), or a whole block. Zeroing every slice makes the group contribute
 * nothing, so deleting the slices afterwards changes no output.
 *
 * @param index     the unit's position in its layer (head number, neuron number, block number)
 * @param slices    every tensor slice that goes with it
 * @param dropsPrefix for a whole block: the name prefix of all its tensors ("blocks.2."), which
 *                  compaction deletes; null for groups that narrow tensors
 */
public record PruneGroup(int index, List<GroupSlice> slices, String dropsPrefix) {
    public PruneGroup {
        slices = List.copyOf(slices);
        if (slices.isEmpty()) throw new IllegalArgumentException("group " + index + " has no slices");
    }

    public PruneGroup(int index, List<GroupSlice> slices) {
        this(index, slices, null);
    }
}
