package jprune.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.models.ModelConfig;
import jprune.nn.models.Models;
import jprune.nn.models.TransformerBlock;
import jprune.tensor.Tensor;

/**
 * Physically removes what structured pruning masked. For every dependency group that is wholly
 * masked ({@link ModelGroups}: heads, MLP neurons, blocks and hidden dimensions of transformers; channels of plain
 * chains), its slices are deleted from every tensor they touch (weights, biases, batch-norm
 * statistics, the consumer's input columns), removed blocks' tensors are dropped and the later
 * blocks renumbered; the config records the new sizes (per block when blocks differ) and the model
 * is rebuilt from it. The result is an ordinary dense model that computes what the masked one did.
 */
public final class Compactor {
    private Compactor() {}

    /** A compacted model and the config that rebuilds it. */
    public record Result(Module model, ModelConfig config) {}

    public static Result compact(Module masked, ModelConfig config) {
        Map<String, Parameter> params = masked.namedParameters();
        boolean transformer = masked.namedModules().values().stream().anyMatch(m -> m instanceof TransformerBlock);
        List<Structure> structures = transformer ? List.of(Structure.BLOCKS, Structure.HEADS, Structure.MLP_NEURONS, Structure.HIDDEN) : List.of(Structure.CHANNELS);
        Map<Structure, List<int[]>> kept = new LinkedHashMap<>();
        List<PruneGroup> removed = new ArrayList<>();
        List<String> droppedPrefixes = new ArrayList<>();
        for (Structure s : structures) {
            List<int[]> keptPerLayer = new ArrayList<>();
            for (GroupLayer layer : ModelGroups.of(masked, s)) {
                List<Integer> k = new ArrayList<>();
                if (droppedPrefixes.stream().anyMatch(p -> layer.name().startsWith(p))) {
                    keptPerLayer.add(new int[0]);   // inside a removed block: goes with it
                    continue;
                }
                for (PruneGroup g : layer.groups()) {
                    if (!GroupPruner.isRemoved(g, params)) {
                        k.add(g.index());
                    } else {
                        removed.add(g);
                        if (g.dropsPrefix() != null) droppedPrefixes.add(g.dropsPrefix());
                    }
                }
                if (k.isEmpty()) throw new IllegalStateException("every group of " + layer.name() + " is removed; a layer must keep one");
                keptPerLayer.add(k.stream().mapToInt(Integer::intValue).toArray());
            }
            kept.put(s, keptPerLayer);
        }
        GroupRemoval removal = new GroupRemoval(removed);
        Map<String, String> renumbered = transformer ? renumberedBlocks(masked, kept.get(Structure.BLOCKS).get(0)) : Map.of();
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (var e : masked.stateDict().entrySet()) {
            String name = e.getKey();
            if (removal.drops(name)) continue;
            Tensor t = e.getValue();
            state.put(renamed(name, renumbered), Tensor.of(removal.apply(name, t.shape(), t.data()), removal.newShape(name, t.shape())));
        }
        ModelConfig narrow = transformer ? transformerConfig(config, kept) : channelConfig(config, masked, kept.get(Structure.CHANNELS));
        Module small = Models.build(narrow, 0);
        small.loadStateDict(state, k -> false);
        small.train(false);
        return new Result(small, narrow);
    }

    /** Each kept block's old prefix to its new one ("blocks.3." becomes "blocks.2." after one earlier block went). */
    private static Map<String, String> renumberedBlocks(Module model, int[] keptBlocks) {
        List<PruneGroup> blocks = ModelGroups.of(model, Structure.BLOCKS).get(0).groups();
        Map<String, String> out = new LinkedHashMap<>();
        for (int j = 0; j < keptBlocks.length; j++) {
            String old = blocks.get(keptBlocks[j]).dropsPrefix();
            out.put(old, old.substring(0, old.lastIndexOf('.', old.length() - 2) + 1) + j + ".");
        }
        return out;
    }

    private static String renamed(String name, Map<String, String> renumbered) {
        for (var e : renumbered.entrySet()) if (name.startsWith(e.getKey())) return e.getValue() + name.substring(e.getKey().length());
        return name;
    }

    /** depth, the residual width (dim), and heads and MLP widths: uniform keys when every kept block agrees, per-block lists otherwise. */
    private static ModelConfig transformerConfig(ModelConfig config, Map<Structure, List<int[]>> kept) {
        int[] blocks = kept.get(Structure.BLOCKS).get(0);
        List<Long> heads = new ArrayList<>(), mlp = new ArrayList<>();
        for (int b : blocks) {
            heads.add((long) kept.get(Structure.HEADS).get(b).length);
            mlp.add((long) kept.get(Structure.MLP_NEURONS).get(b).length);
        }
        Map<String, Object> v = new LinkedHashMap<>(config.values());
        v.remove("block_heads");
        v.remove("block_mlp_dims");
        v.put("depth", (long) blocks.length);
        v.put("dim", (long) kept.get(Structure.HIDDEN).get(0).length);
        perBlock(v, "heads", "block_heads", heads);
        perBlock(v, "mlp_dim", "block_mlp_dims", mlp);
        return new ModelConfig(config.name(), v);
    }

    private static void perBlock(Map<String, Object> v, String uniformKey, String listKey, List<Long> sizes) {
        if (sizes.stream().distinct().count() == 1) v.put(uniformKey, sizes.get(0));
        else v.put(listKey, sizes);
    }

    /** The config with each hidden width replaced by its kept count: conv widths under "conv", linear ones under "hidden" or "fc". */
    private static ModelConfig channelConfig(ModelConfig config, Module masked, List<int[]> kept) {
        List<ChannelGraph.Node> nodes = ChannelGraph.of(masked).prunable();
        List<Long> conv = new ArrayList<>(), linear = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) (nodes.get(i).isConv() ? conv : linear).add((long) kept.get(i).length);
        ModelConfig c = config;
        if (!conv.isEmpty()) c = c.with("conv", conv);
        if (config.values().containsKey("hidden")) c = c.with("hidden", linear);
        else if (config.values().containsKey("fc")) c = c.with("fc", linear);
        return c;
    }
}
