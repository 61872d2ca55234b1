package jprune.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.tensor.Tensor;

/**
 * Structured pruning of whole output channels (neurons of linear layers, filters of convolutions).
 * A channel's score is the mean of its weights' criterion scores (with the magnitude criterion: the
 * row's L1 norm over its length; with magnitude-l2: its squared L2 norm over its length). In layer
 * scope each layer loses round(s × channels) of its lowest channels; in global scope all channels
 * are ranked together; either way a layer keeps at least one ({@link MaskRanking}). A removed
 * channel is masked in its weight row, its bias and the scale and shift of the batch norm after it,
 * so it outputs exact zeros and {@link Compactor} can delete it, and the matching inputs of the next
 * layer, without changing the model's outputs.
 */
public final class ChannelPruner {
    private final Module model;

    public ChannelPruner(Module model) {
        this.model = model;
    }

    /**
     * Prunes every prunable layer not kept by the spec, per layer or in one global ranking of all
     * channels (by the mean score of their weights, so layers of different fan-in compare fairly);
     * returns the channels each layer has lost in total.
     */
    public Map<String, Integer> prune(Criterion criterion, PruneSpec spec) {
        List<ChannelGraph.Node> nodes = new ArrayList<>();
        List<MaskRanking.Layer> layers = new ArrayList<>();
        for (ChannelGraph.Node node : ChannelGraph.of(model).prunable()) {
            String wName = node.name() + ".weight";
            if (spec.kept(wName)) continue;
            Parameter w = node.weight();
            int channels = w.size(0), row = w.numel() / channels;
            float[] score = criterion.score(wName, w).data();
            float[] channelScore = new float[channels];
            for (int c = 0; c < channels; c++) {
                double sum = 0;
                for (int i = 0; i < row; i++) sum += score[c * row + i];
                channelScore[c] = (float) (sum / row);
            }
            nodes.add(node);
            layers.add(new MaskRanking.Layer(wName, channelScore, rowMask(w, channels, row)));
        }
        int[] removed = MaskRanking.apply(layers, spec);
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int l = 0; l < nodes.size(); l++) {
            ChannelGraph.Node node = nodes.get(l);
            apply(node, layers.get(l).mask(), node.weight().numel() / node.outChannels());
            out.put(node.name(), removed[l]);
        }
        return out;
    }

    private static float[] rowMask(Parameter w, int channels, int row) {
        float[] m = new float[channels];
        Arrays.fill(m, 1f);
        if (w.hasMask()) {
            float[] wm = w.mask().data();
            for (int c = 0; c < channels; c++) {
                boolean any = false;
                for (int i = 0; i < row && !any; i++) any = wm[c * row + i] != 0f;
                m[c] = any ? 1f : 0f;
            }
        }
        return m;
    }

    private static void apply(ChannelGraph.Node node, float[] channelMask, int row) {
        Parameter w = node.weight();
        float[] wm = new float[w.numel()];
        for (int c = 0; c < channelMask.length; c++) Arrays.fill(wm, c * row, (c + 1) * row, channelMask[c]);
        w.setMask(Tensor.of(wm, w.shape()));
        if (node.bias() != null) node.bias().setMask(Tensor.of(channelMask.clone(), node.bias().shape()));
        if (node.norm() != null) {
            node.norm().weight().setMask(Tensor.of(channelMask.clone(), node.norm().weight().shape()));
            node.norm().bias().setMask(Tensor.of(channelMask.clone(), node.norm().bias().shape()));
        }
    }

    /** Kept channels of a layer: those whose weight row has a non-zero mask entry (all if unmasked). */
    static int[] kept(ChannelGraph.Node node) {
        Parameter w = node.weight();
        int channels = w.size(0), row = w.numel() / channels;
        float[] m = rowMask(w, channels, row);
        return java.util.stream.IntStream.range(0, channels).filter(c -> m[c] != 0f).toArray();
    }
}
