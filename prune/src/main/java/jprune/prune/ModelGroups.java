package jprune.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.layers.MultiHeadSelfAttention;
import jprune.nn.models.TransformerBlock;
import jprune.tensor.Tensor;

/**
 * The dependency groups of a vision model, by structure: which tensor slices go together when a
 * head, an MLP neuron, a block, a hidden dimension of the residual stream or a channel is removed. Transformer blocks are found wherever they
 * sit in the model (their residual connections are what make heads, neurons and whole blocks
 * removable); channels come from the {@link ChannelGraph} of a plain chain of layers.
 */
public final class ModelGroups {
    private ModelGroups() {}

    /** The model's groups of this structure, one {@link GroupLayer} per set that competes in layer scope. */
    public static List<GroupLayer> of(Module model, Structure structure) {
        Map<String, Module> modules = model.namedModules();
        List<String> blocks = new ArrayList<>();
        modules.forEach((name, m) -> {
            if (m instanceof TransformerBlock) blocks.add(name);
        });
        if (structure == Structure.CHANNELS) return channels(model);
        if (blocks.isEmpty())
            throw new IllegalArgumentException("granularity " + structure.flag() + " needs transformer blocks, and this model has none; "
                    + "it can be pruned by channels (or neurons, filters), unstructured, N:M or block:RxC");
        return switch (structure) {
            case HEADS -> blocks.stream().map(b -> heads(b, (TransformerBlock) modules.get(b))).toList();
            case MLP_NEURONS -> blocks.stream().map(b -> neurons(b, (TransformerBlock) modules.get(b))).toList();
            case BLOCKS -> List.of(blocks(model, blocks));
            case CHANNELS -> throw new AssertionError();
            case HIDDEN -> List.of(hidden(model, blocks));
        };
    }

    /** Head h: rows [h·d, (h+1)·d) of query, key and value (weights and biases), the same columns of out. */
    static GroupLayer heads(String block, TransformerBlock b) {
        MultiHeadSelfAttention attn = b.attention();
        String a = block + ".attn.";
        int d = attn.headDim();
        List<PruneGroup> groups = new ArrayList<>();
        for (int h = 0; h < attn.heads(); h++) {
            List<GroupSlice> s = new ArrayList<>();
            for (String p : List.of("query", "key", "value")) {
                s.add(GroupSlice.of(a + p + ".weight", 0, h * d, (h + 1) * d));
                s.add(GroupSlice.of(a + p + ".bias", 0, h * d, (h + 1) * d));
            }
            s.add(GroupSlice.output(a + "out.weight", 1, h * d, (h + 1) * d));
            groups.add(new PruneGroup(h, s));
        }
        return new GroupLayer(block + ".attn", Structure.HEADS, groups);
    }

    /** Neuron j: row j of fc1 (weight and bias), column j of fc2. */
    static GroupLayer neurons(String block, TransformerBlock b) {
        String m = block + ".mlp.";
        List<PruneGroup> groups = new ArrayList<>();
        for (int j = 0; j < b.mlpWidth(); j++) {
            groups.add(new PruneGroup(j, List.of(
                    GroupSlice.of(m + "fc1.weight", 0, j, j + 1),
                    GroupSlice.of(m + "fc1.bias", 0, j, j + 1),
                    GroupSlice.output(m + "fc2.weight", 1, j, j + 1))));
        }
        return new GroupLayer(block + ".mlp", Structure.MLP_NEURONS, groups);
    }

    /**
     * Block i: every parameter under its name, whole. Its residual branches then add zero, so the
     * block passes its input through; the two projections that write into the residual stream
     * (attention out, MLP fc2) are its output slices.
     */
    static GroupLayer blocks(Module model, List<String> blocks) {
        List<PruneGroup> groups = new ArrayList<>();
        Map<String, Tensor> state = model.stateDict();
        for (int i = 0; i < blocks.size(); i++) {
            String prefix = blocks.get(i) + ".";
            List<GroupSlice> s = new ArrayList<>();
            for (var e : state.entrySet()) {
                String name = e.getKey();
                if (!name.startsWith(prefix)) continue;
                boolean writesResidual = name.startsWith(prefix + "attn.out.") || name.startsWith(prefix + "mlp.fc2.");
                s.add(new GroupSlice(name, 0, 0, e.getValue().size(0), writesResidual));
            }
            groups.add(new PruneGroup(i, s, prefix));
        }
        return new GroupLayer("blocks", Structure.BLOCKS, groups);
    }

    /** The vision transformer's own tensors (outside its blocks) that carry the residual width, with the axis it lies on. */
    private static final Map<String, Integer> EMBEDDING_AXES = orderedAxes(
            "patch_embed.weight", 0, "patch_embed.bias", 0, "cls_token", 2, "pos_embed", 2, "norm.weight", 0, "norm.bias", 0, "head.weight", 1);

    /** A block's tensors that read the residual stream (norms and input columns) or write it (output rows, marked as outputs). */
    private static final Map<String, Integer> BLOCK_AXES = orderedAxes(
            "norm1.weight", 0, "norm1.bias", 0, "attn.query.weight", 1, "attn.key.weight", 1, "attn.value.weight", 1,
            "attn.out.weight", 0, "attn.out.bias", 0, "norm2.weight", 0, "norm2.bias", 0, "mlp.fc1.weight", 1,
            "mlp.fc2.weight", 0, "mlp.fc2.bias", 0);

    /**
     * Hidden dimension d of the residual stream: the patch embedding's filter d, entry d of the
     * class token and of every position embedding, entry d of every layer norm, column d of every
     * projection that reads the stream (query, key, value, MLP fc1, the classifier head) and row d
     * of the two that write it in each block (attention out, MLP fc2, with their biases: the output
     * slices). With all of them masked the stream's dimension d stays exactly zero, and the masked
     * layer norms leave it out of their statistics, so compaction changes no output.
     */
    static GroupLayer hidden(Module model, List<String> blocks) {
        Map<String, Tensor> state = model.stateDict();
        List<String> tensors = new ArrayList<>();
        List<Integer> axes = new ArrayList<>();
        EMBEDDING_AXES.forEach((name, axis) -> {
            if (!state.containsKey(name))
                throw new IllegalArgumentException("granularity hidden needs a vision transformer (patch and position embeddings, blocks, head); this model has no '" + name + "'");
            tensors.add(name);
            axes.add(axis);
        });
        for (String b : blocks) BLOCK_AXES.forEach((name, axis) -> {
            tensors.add(b + "." + name);
            axes.add(axis);
        });
        int dim = state.get("norm.weight").size(0);
        List<PruneGroup> groups = new ArrayList<>();
        for (int d = 0; d < dim; d++) {
            List<GroupSlice> s = new ArrayList<>();
            for (int i = 0; i < tensors.size(); i++) {
                String t = tensors.get(i);
                boolean writes = t.contains(".attn.out.") || t.contains(".mlp.fc2.");
                s.add(new GroupSlice(t, axes.get(i), d, d + 1, writes));
            }
            groups.add(new PruneGroup(d, s));
        }
        return new GroupLayer("hidden", Structure.HIDDEN, groups);
    }

    private static Map<String, Integer> orderedAxes(Object... nameAxis) {
        Map<String, Integer> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameAxis.length; i += 2) m.put((String) nameAxis[i], (Integer) nameAxis[i + 1]);
        return m;
    }

    /**
     * Channel c of each prunable layer: its weight row, bias entry and batch-norm entries (running
     * statistics too), and the next layer's input columns it feeds (a block of H·W columns when a
     * flatten lies between).
     */
    static List<GroupLayer> channels(Module model) {
        ChannelGraph graph = ChannelGraph.of(model);
        List<ChannelGraph.Node> nodes = graph.nodes();
        Map<String, Module> modules = model.namedModules();
        List<GroupLayer> layers = new ArrayList<>();
        for (int i = 0; i < nodes.size() - 1; i++) {
            ChannelGraph.Node node = nodes.get(i), next = nodes.get(i + 1);
            String bn = node.norm() == null ? null : nameOf(modules, node.norm());
            int channels = node.outChannels();
            int block = next.isConv() ? 1 : next.weight().size(1) / channels;
            List<PruneGroup> groups = new ArrayList<>();
            for (int c = 0; c < channels; c++) {
                List<GroupSlice> s = new ArrayList<>();
                s.add(GroupSlice.of(node.name() + ".weight", 0, c, c + 1));
                if (node.bias() != null) s.add(GroupSlice.of(node.name() + ".bias", 0, c, c + 1));
                if (bn != null)
                    for (String k : List.of("weight", "bias", "running_mean", "running_var")) s.add(GroupSlice.of(bn + "." + k, 0, c, c + 1));
                s.add(GroupSlice.output(next.name() + ".weight", 1, c * block, (c + 1) * block));
                groups.add(new PruneGroup(c, s));
            }
            // Named after the weight, so recipes' overrides and kept-layer patterns match as before.
            layers.add(new GroupLayer(node.name() + ".weight", Structure.CHANNELS, groups));
        }
        if (layers.isEmpty()) throw new IllegalArgumentException("the model has no layer whose channels can be removed (the last layer produces the classes)");
        return layers;
    }

    private static String nameOf(Map<String, Module> modules, Module m) {
        for (var e : modules.entrySet()) if (e.getValue() == m) return e.getKey();
        throw new IllegalStateException("module not found in the model");
    }
}
