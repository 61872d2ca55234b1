package jprune.lm.structured;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.lm.hf.DType;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.hf.HfCheckpointWriter;
import jprune.lm.hf.MappedTensor;
import jprune.lm.hf.PackedWeights;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.LmConfig;
import jprune.lm.model.TensorLayout;
import jprune.lm.train.TrainableDecoder;
import jprune.nn.io.CheckpointFormatException;
import jprune.prune.GroupRemoval;
import jprune.prune.GroupSlice;
import jprune.prune.GroupSlices;
import jprune.prune.PruneGroup;

/**
 * A language model's weights on the heap as its checkpoint stores them (names of
 * {@link TensorLayout}, stored shapes, GPT-2's Conv1D [in, out]), remembering each tensor's dtype and
 * shard so that a pruned model is written in the layout it was read from. Structured pruning masks
 * or removes groups here; fine-tuning goes through {@link #trainable()}.
 *
 * @param config     the model's shape (per-layer sizes included)
 * @param values     every tensor of the layout, by name
 * @param dtypes     the dtype each tensor is written in
 * @param shards     the shard file of each tensor (null: one file)
 * @param hubNaming  GPT-2 tensors are stored without the "transformer." prefix (checkpoints saved from GPT2Model)
 */
public record LmWeights(LmConfig config, Map<String, float[]> values, Map<String, DType> dtypes, Map<String, String> shards, boolean hubNaming) {
    private static final String GPT2_PREFIX = "transformer.";

    /** Reads every tensor of the config's layout; a compressed (packed) checkpoint is refused. */
    public static LmWeights read(HfCheckpoint ck) throws IOException {
        if (!PackedWeights.listed(ck).isEmpty())
            throw new IllegalArgumentException(ck.dir() + " is a compressed model (its projections are packed); prune the model it was compressed from");
        LmConfig c = LmConfig.fromJson(ck.config());
        boolean hub = c.family() == LmConfig.Family.GPT2 && !ck.has("transformer.wte.weight") && ck.has("wte.weight");
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, DType> dtypes = new LinkedHashMap<>();
        Map<String, String> shards = ck.sharded() ? new LinkedHashMap<>() : null;
        for (TensorLayout.Spec s : TensorLayout.of(c)) {
            String stored = hub ? s.name().substring(GPT2_PREFIX.length()) : s.name();
            MappedTensor t = ck.tensor(stored);
            if (!java.util.Arrays.equals(t.shape(), s.shape()))
                throw new IllegalArgumentException(ck.dir() + ": tensor '" + stored + "' has shape " + java.util.Arrays.toString(t.shape())
                        + " but config.json implies " + java.util.Arrays.toString(s.shape()));
            values.put(s.name(), t.toFloats());
            dtypes.put(s.name(), t.requireFloat());
            if (shards != null) shards.put(s.name(), ck.shardOf().get(stored));
        }
        return new LmWeights(c, values, dtypes, shards, hub);
    }

    /** The stored shape of every tensor, by name. */
    public Map<String, int[]> shapes() {
        Map<String, int[]> out = new java.util.HashMap<>();
        for (TensorLayout.Spec s : TensorLayout.of(config)) {
            int[] shape = new int[s.shape().length];
            for (int i = 0; i < shape.length; i++) shape[i] = (int) s.shape()[i];
            out.put(s.name(), shape);
        }
        return out;
    }

    /** The same model with every slice of the given groups set to zero, full size: what the compacted model must compute. */
    public LmWeights masked(Collection<PruneGroup> groups) {
        Map<String, float[]> v = new LinkedHashMap<>();
        values.forEach((k, a) -> v.put(k, a.clone()));
        Map<String, int[]> shape = shapes();
        for (PruneGroup g : groups)
            for (GroupSlice s : g.slices()) {
                float[] a = v.get(s.tensor());
                GroupSlices.forEach(shape.get(s.tensor()), s, i -> a[i] = 0f);
            }
        return new LmWeights(config, v, dtypes, shards, hubNaming);
    }

    /**
     * The model with the groups physically removed ({@link GroupRemoval}): narrowed tensors, removed
     * blocks' tensors gone and the blocks after them renumbered, per-layer sizes read off the new shapes.
     */
    public LmWeights compacted(Collection<PruneGroup> groups) {
        GroupRemoval removal = new GroupRemoval(groups);
        Map<String, int[]> shape = shapes();
        List<Integer> kept = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) if (!removal.drops(LmGroups.blockPrefix(config, l))) kept.add(l);
        int n = kept.size();
        int[] heads = new int[n], kvHeads = new int[n], widths = new int[n];
        Map<String, float[]> v = new LinkedHashMap<>();
        Map<String, DType> d = new LinkedHashMap<>();
        Map<String, String> sh = shards == null ? null : new LinkedHashMap<>();
        for (var e : values.entrySet()) {
            String name = e.getKey();
            if (removal.drops(name)) continue;
            String renamed = renumbered(name, kept);
            v.put(renamed, removal.apply(name, shape.get(name), e.getValue()));
            d.put(renamed, dtypes.get(name));
            if (sh != null) sh.put(renamed, shards.get(name));
        }
        int hd = config.headDim();
        for (int i = 0; i < n; i++) {
            String b = LmGroups.blockPrefix(config, kept.get(i));
            if (config.family() == LmConfig.Family.GPT2) {
                heads[i] = removal.newShape(b + "attn.c_attn.weight", shape.get(b + "attn.c_attn.weight"))[1] / (3 * hd);
                kvHeads[i] = heads[i];
                widths[i] = removal.newShape(b + "mlp.c_fc.weight", shape.get(b + "mlp.c_fc.weight"))[1];
            } else {
                heads[i] = removal.newShape(b + "self_attn.q_proj.weight", shape.get(b + "self_attn.q_proj.weight"))[0] / hd;
                kvHeads[i] = removal.newShape(b + "self_attn.k_proj.weight", shape.get(b + "self_attn.k_proj.weight"))[0] / hd;
                widths[i] = removal.newShape(b + "mlp.up_proj.weight", shape.get(b + "mlp.up_proj.weight"))[0];
            }
        }
        String embedding = TensorLayout.of(config).get(0).name();
        int hidden = removal.newShape(embedding, shape.get(embedding))[1];
        LmConfig c = config.withLayerSizes(new LmConfig.LayerSizes(heads, kvHeads, widths));
        if (hidden != config.hiddenSize()) c = narrowedStream(c, hidden, v, d);
        LmWeights out = new LmWeights(c, v, d, sh, hubNaming);
        for (TensorLayout.Spec s : TensorLayout.of(c)) {
            float[] a = v.get(s.name());
            if (a == null || a.length != s.numel())
                throw new IllegalStateException("compaction left '" + s.name() + "' with " + (a == null ? 0 : a.length) + " values, expected " + s.numel());
        }
        return out;
    }

    /**
     * The config of a residual stream narrowed from D to hidden = D' dimensions. The removed dimensions
     * of the masked model are exact zeros everywhere, so its RMSNorm sees the kept entries x and
     * computes w·x / sqrt(Σx²/D + eps). Over D' entries that is (w·sqrt(D/D'))·x / sqrt(Σx²/D' + eps·D/D'):
     * every RMSNorm gain (in v, in place) is multiplied by sqrt(D/D') and epsilon by D/D', and the
     * compacted model computes exactly what the masked one does. LayerNorm's mean and variance over
     * the kept entries cannot be folded that way; GPT-2's norms are left as they are and normalise over
     * the kept dimensions (docs/lm-structured-pruning.md). The rescaled gains are stored in F32 (in
     * dtypes): rounding them to BF16 or F16 again would break the equality.
     */
    private static LmConfig narrowedStream(LmConfig c, int hidden, Map<String, float[]> v, Map<String, DType> dtypes) {
        if (c.family() == LmConfig.Family.GPT2) return c.withHidden(hidden, c.normEps());
        double ratio = (double) c.hiddenSize() / hidden;
        float gain = (float) Math.sqrt(ratio);
        for (TensorLayout.Spec s : TensorLayout.of(c)) {
            if (s.role() != TensorLayout.Role.NORM_WEIGHT) continue;
            float[] a = v.get(s.name());
            for (int i = 0; i < a.length; i++) a[i] *= gain;
            dtypes.put(s.name(), DType.F32);
        }
        return c.withHidden(hidden, c.normEps() * ratio);
    }

    private String renumbered(String name, List<Integer> kept) {
        for (int i = 0; i < kept.size(); i++) {
            String from = LmGroups.blockPrefix(config, kept.get(i));
            if (name.startsWith(from)) return LmGroups.blockPrefix(config, i) + name.substring(from.length());
        }
        return name;
    }

    /**
     * The inference model of these weights, each tensor rounded to its dtype as {@link #write} stores
     * it, so it computes what the written checkpoint will (without writing one).
     */
    public DecoderModel inference() {
        Map<String, MappedTensor> tensors = new LinkedHashMap<>();
        Arena arena = Arena.ofAuto();
        for (TensorLayout.Spec s : TensorLayout.of(config)) {
            DType t = dtypes.get(s.name());
            float[] a = values.get(s.name());
            MemorySegment seg = arena.allocate((long) a.length * t.bytes, 8);
            t.write(a, 0, seg, 0, a.length);
            tensors.put(s.name(), new MappedTensor(s.name(), t.name(), t, s.shape(), seg));
        }
        try {
            return DecoderModel.of(config, tensors);
        } catch (CheckpointFormatException e) {
            throw new IllegalStateException("weights do not match their own config: " + e.getMessage(), e);
        }
    }

    /** A trainable copy (for gradients and fine-tuning). */
    public TrainableDecoder trainable() {
        return TrainableDecoder.fromTensors(config, values);
    }

    /** These weights replaced by a trained model's (same config). */
    public LmWeights with(TrainableDecoder model) {
        Map<String, float[]> v = new LinkedHashMap<>();
        for (TrainableDecoder.Stored s : model.exportTensors()) v.put(s.name(), s.values());
        return new LmWeights(config, v, dtypes, shards, hubNaming);
    }

    public long parameterCount() {
        long n = 0;
        for (float[] a : values.values()) n += a.length;
        return n;
    }

    /**
     * Writes a Hugging Face checkpoint directory atomically: configJson (the source's, whose shape keys
     * are replaced by this config's), the tensors in their dtypes and shards, and the tokenizer files
     * of sideFilesFrom.
     */
    public void write(Path dir, Map<String, Object> configJson, Path sideFilesFrom) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>(configJson);
        config.writeShape(json);
        List<HfCheckpointWriter.Entry> entries = new ArrayList<>();
        Map<String, String> shardOf = shards == null ? null : new LinkedHashMap<>();
        for (TensorLayout.Spec s : TensorLayout.of(config)) {
            String stored = hubNaming && s.name().startsWith(GPT2_PREFIX) ? s.name().substring(GPT2_PREFIX.length()) : s.name();
            entries.add(HfCheckpointWriter.of(stored, dtypes.get(s.name()), s.shape(), values.get(s.name())));
            if (shardOf != null) shardOf.put(stored, shards.get(s.name()));
        }
        HfCheckpointWriter.write(dir, json, entries, shardOf, sideFilesFrom);
    }
}
