package jprune.lm.structured;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jprune.lm.model.LmConfig;
import jprune.lm.model.TensorLayout;
import jprune.prune.GroupLayer;
import jprune.prune.GroupSlice;
import jprune.prune.PruneGroup;
import jprune.prune.Structure;

/**
 * The dependency groups of a decoder-only language model over its Hugging Face tensor names, with
 * slices in the checkpoint's stored layout (GPT-2's Conv1D matrices are [in, out]):
 * <ul>
 *   <li>heads: GPT-2 head h is columns h·hd.., dim + h·hd.., 2·dim + h·hd.. of the fused
 *       {@code attn.c_attn} (weight and bias; dim = heads·hd of the block) and rows h·hd.. of
 *       {@code attn.c_proj}. Llama-family: one group per key/value head j, holding its rows of
 *       {@code k_proj} and {@code v_proj} and the rows of the heads/kv query heads that share it in
 *       {@code q_proj} (and the biases), plus those heads' columns of {@code o_proj}; without
 *       grouped-query attention that is one head.</li>
 *   <li>mlp-neurons: GPT-2 neuron j is column j of {@code mlp.c_fc} (and its bias) and row j of
 *       {@code mlp.c_proj}; Llama's is row j of {@code gate_proj} and {@code up_proj} (and biases)
 *       and column j of {@code down_proj}.</li>
 *   <li>blocks: every tensor under {@code transformer.h.i.} / {@code model.layers.i.}; the attention
 *       output and MLP down projections (and their biases) are the output slices, which write into
 *       the residual stream.</li>
 *   <li>hidden (opt-in): one layer of all residual-stream dimensions. Dimension d is column d of the
 *       token embedding (and of GPT-2's position embedding and an untied {@code lm_head}), entry d of
 *       every norm's weight (and LayerNorm bias), the input dimension d of every projection that reads
 *       the stream (GPT-2's {@code c_attn}, {@code c_fc}: row d of the [in, out] Conv1D; Llama's
 *       q/k/v/gate/up: column d) and the output dimension d of every projection that writes it, which
 *       are the output slices (GPT-2's {@code attn.c_proj}, {@code mlp.c_proj}: column d and bias d;
 *       Llama's {@code o_proj}, {@code down_proj}: row d and bias d).</li>
 * </ul>
 * The output projections' slices are marked as outputs (what the gate score sums over); the
 * residual projections' biases belong to no head or neuron.
 */
public final class LmGroups {
    private LmGroups() {}

    /** The groups of one structure, one {@link GroupLayer} per attention layer or MLP, or one layer of all blocks. */
    public static List<GroupLayer> of(LmConfig c, Structure structure) {
        requireLanguageModelStructure(structure);
        Map<String, long[]> shapes = new HashMap<>();
        for (TensorLayout.Spec s : TensorLayout.of(c)) shapes.put(s.name(), s.shape());
        List<GroupLayer> out = new ArrayList<>();
        switch (structure) {
            case HEADS -> {
                for (int l = 0; l < c.layers(); l++) out.add(c.family() == LmConfig.Family.GPT2 ? gpt2Heads(c, l) : llamaHeads(c, l));
            }
            case MLP_NEURONS -> {
                for (int l = 0; l < c.layers(); l++) out.add(c.family() == LmConfig.Family.GPT2 ? gpt2Neurons(c, l) : llamaNeurons(c, l));
            }
            case BLOCKS -> out.add(blocks(c, shapes));
            case CHANNELS -> throw new AssertionError();
            case HIDDEN -> out.add(hidden(c));
        }
        return out;
    }

    /** The structures a language model has: heads, mlp-neurons, blocks; channels fail naming them. */
    public static void requireLanguageModelStructure(Structure structure) {
        if (structure == Structure.CHANNELS)
            throw new IllegalArgumentException("--granularity channels is for vision models; language models have "
                    + String.join(", ", List.of(Structure.HEADS.flag(), Structure.MLP_NEURONS.flag(), Structure.BLOCKS.flag(), Structure.HIDDEN.flag())));
    }

    /** The name prefix of block l's tensors. */
    public static String blockPrefix(LmConfig c, int l) {
        return c.family() == LmConfig.Family.GPT2 ? "transformer.h." + l + "." : "model.layers." + l + ".";
    }

    private static GroupLayer gpt2Heads(LmConfig c, int l) {
        String b = blockPrefix(c, l) + "attn.";
        int hd = c.headDim(), width = c.heads(l) * hd;
        List<PruneGroup> groups = new ArrayList<>();
        for (int h = 0; h < c.heads(l); h++) {
            List<GroupSlice> s = new ArrayList<>();
            for (int part = 0; part < 3; part++) {
                int from = part * width + h * hd;
                s.add(GroupSlice.of(b + "c_attn.weight", 1, from, from + hd));
                s.add(GroupSlice.of(b + "c_attn.bias", 0, from, from + hd));
            }
            s.add(GroupSlice.output(b + "c_proj.weight", 0, h * hd, (h + 1) * hd));
            groups.add(new PruneGroup(h, s));
        }
        return new GroupLayer(blockPrefix(c, l) + "attn", Structure.HEADS, groups);
    }

    private static GroupLayer llamaHeads(LmConfig c, int l) {
        String b = blockPrefix(c, l) + "self_attn.";
        int hd = c.headDim(), perKv = c.heads(l) / c.kvHeads(l), q = perKv * hd;
        List<PruneGroup> groups = new ArrayList<>();
        for (int j = 0; j < c.kvHeads(l); j++) {
            List<GroupSlice> s = new ArrayList<>();
            s.add(GroupSlice.of(b + "q_proj.weight", 0, j * q, (j + 1) * q));
            s.add(GroupSlice.of(b + "k_proj.weight", 0, j * hd, (j + 1) * hd));
            s.add(GroupSlice.of(b + "v_proj.weight", 0, j * hd, (j + 1) * hd));
            if (c.qkvBias()) {
                s.add(GroupSlice.of(b + "q_proj.bias", 0, j * q, (j + 1) * q));
                s.add(GroupSlice.of(b + "k_proj.bias", 0, j * hd, (j + 1) * hd));
                s.add(GroupSlice.of(b + "v_proj.bias", 0, j * hd, (j + 1) * hd));
            }
            s.add(GroupSlice.output(b + "o_proj.weight", 1, j * q, (j + 1) * q));
            groups.add(new PruneGroup(j, s));
        }
        return new GroupLayer(blockPrefix(c, l) + "self_attn", Structure.HEADS, groups);
    }

    private static GroupLayer gpt2Neurons(LmConfig c, int l) {
        String m = blockPrefix(c, l) + "mlp.";
        List<PruneGroup> groups = new ArrayList<>();
        for (int j = 0; j < c.intermediateSize(l); j++) {
            groups.add(new PruneGroup(j, List.of(
                    GroupSlice.of(m + "c_fc.weight", 1, j, j + 1),
                    GroupSlice.of(m + "c_fc.bias", 0, j, j + 1),
                    GroupSlice.output(m + "c_proj.weight", 0, j, j + 1))));
        }
        return new GroupLayer(blockPrefix(c, l) + "mlp", Structure.MLP_NEURONS, groups);
    }

    private static GroupLayer llamaNeurons(LmConfig c, int l) {
        String m = blockPrefix(c, l) + "mlp.";
        List<PruneGroup> groups = new ArrayList<>();
        for (int j = 0; j < c.intermediateSize(l); j++) {
            List<GroupSlice> s = new ArrayList<>();
            s.add(GroupSlice.of(m + "gate_proj.weight", 0, j, j + 1));
            s.add(GroupSlice.of(m + "up_proj.weight", 0, j, j + 1));
            if (c.mlpBias()) {
                s.add(GroupSlice.of(m + "gate_proj.bias", 0, j, j + 1));
                s.add(GroupSlice.of(m + "up_proj.bias", 0, j, j + 1));
            }
            s.add(GroupSlice.output(m + "down_proj.weight", 1, j, j + 1));
            groups.add(new PruneGroup(j, s));
        }
        return new GroupLayer(blockPrefix(c, l) + "mlp", Structure.MLP_NEURONS, groups);
    }

    private static GroupLayer blocks(LmConfig c, Map<String, long[]> shapes) {
        List<PruneGroup> groups = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            String prefix = blockPrefix(c, l);
            List<GroupSlice> s = new ArrayList<>();
            for (TensorLayout.Spec t : TensorLayout.of(c)) {
                if (!t.name().startsWith(prefix)) continue;
                s.add(new GroupSlice(t.name(), 0, 0, (int) shapes.get(t.name())[0], writesResidual(t.name())));
            }
            groups.add(new PruneGroup(l, s, prefix));
        }
        return new GroupLayer("blocks", Structure.BLOCKS, groups);
    }

    /** The residual-stream width: one group per hidden dimension, across every tensor that reads or writes the stream. */
    private static GroupLayer hidden(LmConfig c) {
        boolean gpt2 = c.family() == LmConfig.Family.GPT2;
        List<GroupSlice> template = new ArrayList<>();
        for (TensorLayout.Spec t : TensorLayout.of(c)) {
            String n = t.name();
            if (t.role() == TensorLayout.Role.EMBEDDING || n.equals("lm_head.weight")) template.add(GroupSlice.of(n, 1, 0, 1));
            else if (t.role() == TensorLayout.Role.NORM_WEIGHT || n.endsWith("ln_1.bias") || n.endsWith("ln_2.bias") || n.endsWith("ln_f.bias"))
                template.add(GroupSlice.of(n, 0, 0, 1));
            else if (writesResidual(n)) template.add(GroupSlice.output(n, gpt2 && t.role() == TensorLayout.Role.MATRIX ? 1 : 0, 0, 1));
            else if (t.role() == TensorLayout.Role.MATRIX) template.add(GroupSlice.of(n, gpt2 ? 0 : 1, 0, 1));
        }
        List<PruneGroup> groups = new ArrayList<>();
        for (int d = 0; d < c.hiddenSize(); d++) {
            List<GroupSlice> s = new ArrayList<>(template.size());
            for (GroupSlice t : template) s.add(new GroupSlice(t.tensor(), t.axis(), d, d + 1, t.output()));
            groups.add(new PruneGroup(d, s));
        }
        return new GroupLayer("hidden", Structure.HIDDEN, groups);
    }

    /** The projections (weights and biases) that add into the residual stream. */
    private static boolean writesResidual(String name) {
        return name.contains(".attn.c_proj.") || name.contains(".mlp.c_proj.") || name.contains(".self_attn.o_proj.") || name.contains(".mlp.down_proj.");
    }

    /**
     * The same groups over {@link jprune.lm.train.TrainableDecoder}'s parameters, which hold every
     * matrix [out, in]: GPT-2's Conv1D slices change axis; everything else is as stored.
     */
    public static List<GroupLayer> internal(LmConfig c, List<GroupLayer> layers) {
        if (c.family() != LmConfig.Family.GPT2) return layers;
        List<GroupLayer> out = new ArrayList<>();
        for (GroupLayer layer : layers) {
            List<PruneGroup> groups = new ArrayList<>();
            for (PruneGroup g : layer.groups()) {
                List<GroupSlice> slices = new ArrayList<>();
                for (GroupSlice s : g.slices())
                    slices.add(isConv1d(s.tensor()) ? new GroupSlice(s.tensor(), 1 - s.axis(), s.from(), s.to(), s.output()) : s);
                groups.add(new PruneGroup(g.index(), slices, g.dropsPrefix()));
            }
            out.add(new GroupLayer(layer.name(), layer.structure(), groups));
        }
        return out;
    }

    /** GPT-2's block matrices (stored [in, out] by transformers' Conv1D). */
    static boolean isConv1d(String name) {
        return name.startsWith("transformer.h.") && name.endsWith(".weight") && (name.contains(".attn.") || name.contains(".mlp."));
    }
}
