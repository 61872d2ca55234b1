package jprune.prune;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.tensor.Tensor;

/**
 * Structured pruning of whole output channels (neurons of linear layers, filters of convolutions).
 * A channel's score is the sum of its weights' criterion scores (with the magnitude criterion: the
 * row's L1 norm; with magnitude-l2: its squared L2 norm). Each layer loses round(s × channels) of its
 * lowest channels, keeping at least one. A removed channel is masked in its weight row, its bias and
 * the scale and shift of the batch norm after it, so it outputs exact zeros and {@link Compactor} can
 * delete it, and the matching inputs of the next layer, without changing the model's outputs.
 */
public final class ChannelPruner {
    private final Module model;

    public ChannelPruner(Module model) {
        this.model = model;
    }

    /** Prunes every prunable layer not kept by the spec; returns the channels each has lost in total. */
    public Map<String, Integer> prune(Criterion criterion, PruneSpec spec) {
        if (spec.scope() != Scope.LAYER) throw new IllegalArgumentException("channel pruning supports the layer scope only, got " + spec.scope());
        Map<String, Integer> out = new LinkedHashMap<>();
        for (ChannelGraph.Node node : ChannelGraph.of(model).prunable()) {
            String wName = node.name() + ".weight";
            if (spec.kept(wName)) continue;
            Parameter w = node.weight();
            int channels = w.size(0), row = w.numel() / channels;
            float[] score = criterion.score(wName, w).data();
            float[] rowMask = rowMask(w, channels, row);
            double[] channelScore = new double[channels];
            for (int c = 0; c < channels; c++) for (int i = 0; i < row; i++) channelScore[c] += score[c * row + i];
            int already = 0;
            for (float m : rowMask) if (m == 0f) already++;
            int target = Math.min(channels - 1, (int) Math.rint(spec.layerTarget(wName) * channels));
            Integer[] order = new Integer[channels];
            for (int c = 0; c < channels; c++) order[c] = c;
            Arrays.sort(order, (a, b) -> {
                // Already-removed channels first (they stay removed), then by score, ties by index.
                int r = Boolean.compare(rowMask[a] != 0f, rowMask[b] != 0f);
                if (r != 0) return r;
                int s = Double.compare(channelScore[a], channelScore[b]);
                return s != 0 ? s : Integer.compare(a, b);
            });
            for (int k = already; k < target; k++) rowMask[order[k]] = 0f;
            apply(node, rowMask, row);
            out.put(node.name(), Math.max(target, already));
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
