package jprune.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.models.ModelConfig;
import jprune.nn.models.Models;
import jprune.tensor.Tensor;

/**
 * Physically removes the channels {@link ChannelPruner} masked: builds the narrower model from a
 * config with the new widths and copies in the kept rows (outputs), kept input columns of each
 * consumer (across flatten boundaries: each kept channel brings its H·W block), and the kept batch
 * norm entries. The result is an ordinary dense model that computes what the masked one computed.
 */
public final class Compactor {
    private Compactor() {}

    /** A compacted model and the config that rebuilds it. */
    public record Result(Module model, ModelConfig config) {}

    public static Result compact(Module masked, ModelConfig config) {
        ChannelGraph graph = ChannelGraph.of(masked);
        List<ChannelGraph.Node> nodes = graph.nodes();
        List<int[]> keptOut = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            ChannelGraph.Node n = nodes.get(i);
            keptOut.add(i < nodes.size() - 1 ? ChannelPruner.kept(n) : all(n.outChannels()));
        }
        ModelConfig narrow = withWidths(config, nodes, keptOut);
        Module small = Models.build(narrow, 0);
        List<ChannelGraph.Node> target = ChannelGraph.of(small).nodes();
        Map<String, Tensor> state = new LinkedHashMap<>(masked.stateDict());
        for (int i = 0; i < nodes.size(); i++) {
            ChannelGraph.Node src = nodes.get(i), dst = target.get(i);
            int[] rows = keptOut.get(i);
            int[] cols = i == 0 ? all(src.weight().size(1)) : inputColumns(src, nodes.get(i - 1), keptOut.get(i - 1));
            state.put(src.name() + ".weight", slice(src.weight().value(), rows, cols, dst.weight().shape()));
            if (src.bias() != null) state.put(src.name() + ".bias", pick(src.bias().value(), rows));
            if (src.norm() != null) {
                String bn = bnName(masked, src);
                for (String k : List.of("weight", "bias", "running_mean", "running_var")) state.put(bn + "." + k, pick(state.get(bn + "." + k), rows));
            }
        }
        small.loadStateDict(state, k -> false);
        small.train(false);
        return new Result(small, narrow);
    }

    /** The consumer's input columns that survive: per kept producer channel, its block of H·W inputs. */
    private static int[] inputColumns(ChannelGraph.Node consumer, ChannelGraph.Node producer, int[] keptChannels) {
        if (consumer.isConv()) return keptChannels;
        int in = consumer.weight().size(1), block = in / producer.outChannels();
        int[] cols = new int[keptChannels.length * block];
        for (int k = 0; k < keptChannels.length; k++)
            for (int j = 0; j < block; j++) cols[k * block + j] = keptChannels[k] * block + j;
        return cols;
    }

    /** Rows × (cols of dim 1) of a [out, in, ...] weight, reshaped to the narrow layer's shape. */
    private static Tensor slice(Tensor w, int[] rows, int[] cols, int[] shape) {
        int in = w.size(1), inner = w.numel() / (w.size(0) * in);
        float[] src = w.data(), dst = new float[rows.length * cols.length * inner];
        int d = 0;
        for (int r : rows)
            for (int c : cols) {
                System.arraycopy(src, (r * in + c) * inner, dst, d, inner);
                d += inner;
            }
        return Tensor.of(dst, shape);
    }

    private static Tensor pick(Tensor v, int[] idx) {
        float[] out = new float[idx.length];
        for (int i = 0; i < idx.length; i++) out[i] = v.data()[idx[i]];
        return Tensor.of(out, idx.length);
    }

    private static String bnName(Module model, ChannelGraph.Node node) {
        for (var e : model.namedModules().entrySet()) if (e.getValue() == node.norm()) return e.getKey();
        throw new IllegalStateException("batch norm of " + node.name() + " not found in the model");
    }

    private static int[] all(int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }

    /** The config with each hidden width replaced by its kept count: conv widths under "conv", linear ones under "hidden" or "fc". */
    private static ModelConfig withWidths(ModelConfig config, List<ChannelGraph.Node> nodes, List<int[]> kept) {
        List<Long> conv = new ArrayList<>(), linear = new ArrayList<>();
        for (int i = 0; i < nodes.size() - 1; i++) (nodes.get(i).isConv() ? conv : linear).add((long) kept.get(i).length);
        ModelConfig c = config;
        if (!conv.isEmpty()) c = c.with("conv", conv);
        if (config.values().containsKey("hidden")) c = c.with("hidden", linear);
        else if (config.values().containsKey("fc")) c = c.with("fc", linear);
        return c;
    }
}
