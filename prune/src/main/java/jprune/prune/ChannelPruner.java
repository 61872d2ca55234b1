package jprune.prune;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;
import jprune.nn.Module;
import jprune.nn.Parameter;

/**
 * Structured pruning of whole output channels (neurons of linear layers, filters of convolutions):
 * {@link GroupPruner} on the channel groups of {@link ModelGroups}. A channel's score is the mean of
 * its weights' criterion scores (with the magnitude criterion: the row's L1 norm over its length;
 * with magnitude-l2: its squared L2 norm over its length). In layer scope each layer loses
 * round(s × channels) of its lowest channels; in global scope all channels are ranked together;
 * either way a layer keeps at least one. A removed channel is masked in its weight row, its bias,
 * the scale and shift of the batch norm after it and the next layer's columns that read it, so it
 * outputs exact zeros and {@link Compactor} can delete it without changing the model's outputs.
 */
public final class ChannelPruner {
    private final GroupPruner groups;

    public ChannelPruner(Module model) {
        this.groups = new GroupPruner(model, Structure.CHANNELS);
    }

    /** Prunes every prunable layer not kept by the spec; returns the channels each layer (by module name) has lost in total. */
    public Map<String, Integer> prune(Criterion criterion, PruneSpec spec) {
        Map<String, Integer> out = new LinkedHashMap<>();
        groups.prune(Map.of(), criterion, spec).forEach((layer, n) -> out.put(layer.substring(0, layer.length() - ".weight".length()), n));
        return out;
    }

    /** Kept channels of a layer: those whose weight row has a non-zero mask entry (all if unmasked). */
    static int[] kept(ChannelGraph.Node node) {
        Parameter w = node.weight();
        if (!w.hasMask()) return IntStream.range(0, node.outChannels()).toArray();
        int channels = w.size(0), row = w.numel() / channels;
        float[] m = w.mask().data();
        return IntStream.range(0, channels).filter(c -> IntStream.range(c * row, (c + 1) * row).anyMatch(i -> m[i] != 0f)).toArray();
    }
}
