package jprune.lm.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.hf.PackedWeights;
import jprune.lm.hf.MappedTensor;
import jprune.nn.io.CheckpointFormatException;
import jprune.tensor.FloatExp;
import jprune.tensor.Elementwise;
import jprune.tensor.Gemm;
import jprune.tensor.LayerNormKernels;
import jprune.tensor.Parallel;
import jprune.tensor.VectorPolicy;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A decoder-only language model computed straight from a Hugging Face checkpoint's mapped weights:
 * GPT-2 (learned positions, LayerNorm, tanh GELU, fused QKV stored [in, out]) or the Llama family
 * (RMSNorm, rotary positions, SwiGLU, grouped-query attention). Only norms and biases are copied to
 * the heap; the matrices are read from the mapping at every use, so a model larger than the heap
 * runs. The model is valid while its checkpoint is open.
 */
public final class DecoderModel {
    private static final VectorSpecies<Float> F = VectorPolicy.FLOATS;
    /** Queries per attention block in prefill: the causal triangle is skipped in steps of this size. */
    static final int QUERY_BLOCK = 64;
    /** Fewest floats of rows a thread normalises: below, one thread does all rows (decoding's single row). */
    private static final int NORM_MIN_FLOATS = 16384;

    private final LmConfig config;
    private final MappedTensor tokenEmbedding, positionEmbedding;
    private final List<DecoderBlock> blocks;
    private final float[] finalNormWeight, finalNormBias;
    private final Projection head;
    private final Rope rope;

    private DecoderModel(LmConfig config, MappedTensor tokenEmbedding, MappedTensor positionEmbedding, List<DecoderBlock> blocks,
                         float[] finalNormWeight, float[] finalNormBias, Projection head) {
        this.config = config;
        this.tokenEmbedding = tokenEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.blocks = blocks;
        this.finalNormWeight = finalNormWeight;
        this.finalNormBias = finalNormBias;
        this.head = head;
        this.rope = config.family() == LmConfig.Family.LLAMA ? new Rope(config) : null;
    }

    /** Binds the checkpoint's tensors to the config's layout, checking every name and shape. */
    public static DecoderModel open(HfCheckpoint ckpt) throws CheckpointFormatException {
        LmConfig c;
        try {
            c = LmConfig.fromJson(ckpt.config());
        } catch (IllegalArgumentException e) {
            // LmConfig's messages start "config.json: "; the path takes its place.
            String m = e.getMessage(), own = HfCheckpoint.CONFIG + ": ";
            throw new CheckpointFormatException(ckpt.dir().resolve(HfCheckpoint.CONFIG) + ": " + (m != null && m.startsWith(own) ? m.substring(own.length()) : m));
        }
        Map<String, Map<String, Object>> packed = PackedWeights.listed(ckpt);
        Source src = new Source(ckpt.dir().toString(), ckpt.tensors(), ckpt, packed);
        DecoderModel m = c.family() == LmConfig.Family.GPT2 ? gpt2(src, c) : llama(src, c);
        java.util.Set<String> unused = new java.util.TreeSet<>(packed.keySet());
        for (Projection p : m.blockProjections()) unused.remove(p.name() + ".weight");
        unused.remove("lm_head.weight");
        if (!unused.isEmpty())
            throw new CheckpointFormatException(ckpt.dir() + ": config.json lists packed weights that are not projections of this model: " + unused);
        return m;
    }

    /**
     * A model over tensors held in memory rather than a checkpoint's files (named and shaped as a
     * checkpoint of config c stores them): how a model being pruned in memory is evaluated. The model
     * is valid while the tensors' segments are.
     */
    public static DecoderModel of(LmConfig c, Map<String, MappedTensor> tensors) throws CheckpointFormatException {
        Source src = new Source("in-memory model", tensors, null, Map.of());
        return c.family() == LmConfig.Family.GPT2 ? gpt2(src, c) : llama(src, c);
    }

    /** Where the tensors come from (for messages), the tensors, the checkpoint (null in memory) and the weights it stores packed (by weight name). */
    private record Source(String dir, Map<String, MappedTensor> tensors, HfCheckpoint ck, Map<String, Map<String, Object>> packed) {
        boolean has(String name) {
            return tensors.containsKey(name) || packed.containsKey(name);
        }

        MappedTensor tensor(String name) throws CheckpointFormatException {
            MappedTensor t = tensors.get(name);
            if (t == null) throw new CheckpointFormatException(dir + ": checkpoint has no tensor '" + name + "'");
            return t;
        }
    }

    private static DecoderModel gpt2(Source ck, LmConfig c) throws CheckpointFormatException {
        String p = ck.has("transformer.wte.weight") ? "transformer." : ck.has("wte.weight") ? "" : null;
        if (p == null) throw new CheckpointFormatException(ck.dir() + ": no GPT-2 token embedding (transformer.wte.weight or wte.weight)");
        int d = c.hiddenSize();
        MappedTensor wte = shaped(ck, p + "wte.weight", c.vocabSize(), d);
        MappedTensor wpe = shaped(ck, p + "wpe.weight", c.maxPositions(), d);
        List<DecoderBlock> blocks = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            String b = p + "h." + l + ".";
            int f = c.intermediateSize(l), q = c.heads(l) * c.headDim();
            blocks.add(new DecoderBlock(vec(ck, b + "ln_1.weight", d), vec(ck, b + "ln_1.bias", d),
                    inOut(ck, b + "attn.c_attn", d, 3 * q, true), null, null, null, inOut(ck, b + "attn.c_proj", q, d, true),
                    vec(ck, b + "ln_2.weight", d), vec(ck, b + "ln_2.bias", d),
                    inOut(ck, b + "mlp.c_fc", d, f, true), inOut(ck, b + "mlp.c_proj", f, d, true), null, null, null));
        }
        Projection head = c.tiedEmbeddings() && !ck.packed().containsKey("lm_head.weight") ? embeddingHead("wte (tied lm_head)", wte, c)
                : outIn(ck, "lm_head", d, c.vocabSize(), false);
        return new DecoderModel(c, wte, wpe, blocks, vec(ck, p + "ln_f.weight", d), vec(ck, p + "ln_f.bias", d), head);
    }

    private static DecoderModel llama(Source ck, LmConfig c) throws CheckpointFormatException {
        int d = c.hiddenSize();
        MappedTensor embed = shaped(ck, "model.embed_tokens.weight", c.vocabSize(), d);
        List<DecoderBlock> blocks = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            String b = "model.layers." + l + ".";
            int f = c.intermediateSize(l), q = c.heads(l) * c.headDim(), kv = c.kvHeads(l) * c.headDim();
            blocks.add(new DecoderBlock(vec(ck, b + "input_layernorm.weight", d), null, null,
                    outIn(ck, b + "self_attn.q_proj", d, q, c.qkvBias()), outIn(ck, b + "self_attn.k_proj", d, kv, c.qkvBias()),
                    outIn(ck, b + "self_attn.v_proj", d, kv, c.qkvBias()), outIn(ck, b + "self_attn.o_proj", q, d, c.outputBias()),
                    vec(ck, b + "post_attention_layernorm.weight", d), null, null, null,
                    outIn(ck, b + "mlp.gate_proj", d, f, c.mlpBias()), outIn(ck, b + "mlp.up_proj", d, f, c.mlpBias()),
                    outIn(ck, b + "mlp.down_proj", f, d, c.mlpBias())));
        }
        Projection head = c.tiedEmbeddings() && !ck.has("lm_head.weight") ? embeddingHead("model.embed_tokens (tied lm_head)", embed, c)
                : outIn(ck, "lm_head", d, c.vocabSize(), false);
        return new DecoderModel(c, embed, null, blocks, vec(ck, "model.norm.weight", d), null, head);
    }

    private static MappedTensor shaped(Source ck, String name, long... shape) throws CheckpointFormatException {
        MappedTensor t = ck.tensor(name);
        if (!Arrays.equals(t.shape(), shape))
            throw new CheckpointFormatException(ck.dir() + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + " but config.json implies " + Arrays.toString(shape));
        if (t.dtype() == null)
            throw new CheckpointFormatException(ck.dir() + ": tensor '" + name + "' is stored as " + t.storedDtype() + "; supported: F32, F16, BF16");
        return t;
    }

    private static float[] vec(Source ck, String name, int n) throws CheckpointFormatException {
        return shaped(ck, name, n).toFloats();
    }

    private static Projection outIn(Source ck, String prefix, int in, int out, boolean bias) throws CheckpointFormatException {
        if (ck.packed().containsKey(prefix + ".weight")) return packed(ck, prefix, in, out, bias);
        MappedTensor w = shaped(ck, prefix + ".weight", out, in);
        return new Projection(prefix, w.data(), w.dtype(), in, out, Projection.Layout.OUT_IN, bias ? vec(ck, prefix + ".bias", out) : null);
    }

    private static Projection inOut(Source ck, String prefix, int in, int out, boolean bias) throws CheckpointFormatException {
        if (ck.packed().containsKey(prefix + ".weight")) return packed(ck, prefix, in, out, bias);
        MappedTensor w = shaped(ck, prefix + ".weight", in, out);
        return new Projection(prefix, w.data(), w.dtype(), in, out, Projection.Layout.IN_OUT, bias ? vec(ck, prefix + ".bias", out) : null);
    }

    /** A projection stored packed: its arrays read into its deploy format, always [out, in]. */
    private static Projection packed(Source ck, String prefix, int in, int out, boolean bias) throws CheckpointFormatException {
        String weight = prefix + ".weight";
        return Projection.packed(prefix, PackedWeights.read(ck.ck(), weight, ck.packed().get(weight), out, in),
                bias ? vec(ck, prefix + ".bias", out) : null);
    }

    private static Projection embeddingHead(String name, MappedTensor embedding, LmConfig c) {
        return new Projection(name, embedding.data(), embedding.dtype(), c.hiddenSize(), c.vocabSize(), Projection.Layout.OUT_IN, null);
    }

    public LmConfig config() {
        return config;
    }

    public Projection head() {
        return head;
    }

    /** Every projection inside the transformer blocks, block by block. */
    public List<Projection> blockProjections() {
        List<Projection> out = new ArrayList<>();
        for (DecoderBlock b : blocks) out.addAll(b.projections());
        return out;
    }

    /** Weight bytes read per decoded token: every block matrix, the head, one embedding row. */
    public long bytesPerToken() {
        long s = head.weightBytes() + (long) config.hiddenSize() * tokenEmbedding.dtype().bytes;
        for (Projection p : blockProjections()) s += p.weightBytes();
        return s;
    }

    /**
     * Runs tokens[off..off+count) at the positions following the cache's, appends their keys and
     * values to the cache, and returns the final-normed hidden states [count, hidden].
     */
    public float[] forward(int[] tokens, int off, int count, KvCache cache) {
        int start = cache.length();
        float[] h = embed(tokens, off, count, start);
        float[][] angles = ropeAngles(start, count);
        ForwardBuffers buffers = new ForwardBuffers();
        for (int l = 0; l < blocks.size(); l++) runBlock(l, h, count, start, cache, angles, ProjectionTap.NONE, buffers);
        cache.advance(count);
        return finalNorm(h, count);
    }

    /** The final norm of residual-stream rows h [count, hidden] (what {@link #forward} returns after the last block). */
    public float[] finalNorm(float[] h, int count) {
        float[] out = new float[count * config.hiddenSize()];
        norm(h, count, finalNormWeight, finalNormBias, out);
        return out;
    }

    /** Number of transformer blocks. */
    public int blockCount() {
        return blocks.size();
    }

    /** The projections of block l in execution order. */
    public List<Projection> projections(int l) {
        return blocks.get(l).projections();
    }

    /**
     * A model that shares everything with this one except the given projections of block l, which
     * replace the ones of the same name (same shapes): how a pruned block is run.
     */
    public DecoderModel withProjections(int l, java.util.Map<String, Projection> byName) {
        List<DecoderBlock> copy = new ArrayList<>(blocks);
        copy.set(l, blocks.get(l).with(byName));
        return new DecoderModel(config, tokenEmbedding, positionEmbedding, copy, finalNormWeight, finalNormBias, head);
    }

    /**
     * The residual stream entering block 0 for tokens[off..off+count) at positions start.. : token
     * embeddings plus, for GPT-2, learned position embeddings. [count, hidden].
     */
    public float[] embed(int[] tokens, int off, int count, int start) {
        if (count < 1) throw new IllegalArgumentException("forward needs at least one token");
        if (config.family() == LmConfig.Family.GPT2 && start + count > config.maxPositions())
            throw new IllegalArgumentException("sequence of " + (start + count) + " tokens exceeds the model's " + config.maxPositions() + " positions");
        int d = config.hiddenSize();
        float[] h = new float[count * d];
        float[] pos = positionEmbedding != null ? new float[d] : null;
        for (int t = 0; t < count; t++) {
            int id = tokens[off + t];
            if (id < 0 || id >= config.vocabSize()) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + config.vocabSize() + ")");
            tokenEmbedding.read((long) id * d, h, t * d, d);
            if (pos != null) {
                positionEmbedding.read((long) (start + t) * d, pos, 0, d);
                for (int i = 0; i < d; i++) h[t * d + i] += pos[i];
            }
        }
        return h;
    }

    /**
     * Runs block l on the residual stream h [count, hidden] of positions following the cache's, in
     * place, writing the block's keys and values into the cache without advancing it (so a caller
     * running one block over many sequences resets nothing). tap sees every projection's input.
     */
    public void forwardBlock(int l, float[] h, int count, KvCache cache, ProjectionTap tap) {
        int start = cache.length();
        // fresh arrays: a tap may keep the inputs it is shown
        runBlock(l, h, count, start, cache, ropeAngles(start, count), tap, new ForwardBuffers());
    }

    /** Rotary cos and sin per position for positions [start, start+count), or null for GPT-2. */
    private float[][] ropeAngles(int start, int count) {
        if (rope == null) return null;
        int half = config.headDim() / 2;
        float[] cos = new float[count * half], sin = new float[count * half];
        float[] c1 = new float[half], s1 = new float[half];
        for (int t = 0; t < count; t++) {
            rope.angles(start + t, c1, s1);
            System.arraycopy(c1, 0, cos, t * half, half);
            System.arraycopy(s1, 0, sin, t * half, half);
        }
        return new float[][] {cos, sin};
    }

    private void runBlock(int l, float[] h, int count, int start, KvCache cache, float[][] angles, ProjectionTap tap, ForwardBuffers buffers) {
        if (start + count > cache.capacity())
            throw new IllegalArgumentException("sequence of " + (start + count) + " tokens exceeds the cache's " + cache.capacity() + " positions");
        int d = config.hiddenSize();
        DecoderBlock b = blocks.get(l);
        float[] a = buffers.get(ForwardBuffers.Slot.NORMED, count * d);
        norm(h, count, b.norm1Weight(), b.norm1Bias(), a);
        float[] attn = attention(l, b, a, count, start, cache, angles, tap, buffers);
        float[] o = buffers.get(ForwardBuffers.Slot.ATTENTION_OUT, count * d);
        apply(b.o(), attn, count, o, tap);
        add(h, o);
        norm(h, count, b.norm2Weight(), b.norm2Bias(), a);
        add(h, mlp(l, b, a, count, tap, buffers));
    }

    private static void apply(Projection p, float[] x, int count, float[] y, ProjectionTap tap) {
        tap.input(p, x, count);
        p.forward(x, count, y);
    }

    /** Logits [rows, vocab] of final-normed hidden states [rows, hidden]. */
    public void logits(float[] hidden, int rows, float[] out) {
        head.forward(hidden, rows, out);
    }

    private float[] attention(int layer, DecoderBlock b, float[] a, int count, int start, KvCache cache, float[][] angles, ProjectionTap tap, ForwardBuffers buffers) {
        int hd = config.headDim(), heads = config.heads(layer), kvHeads = config.kvHeads(layer);
        int qw = heads * hd, kvw = kvHeads * hd;
        float[] q = buffers.get(ForwardBuffers.Slot.QUERY, count * qw);
        float[] keys = cache.keys[layer], values = cache.values[layer];
        int cap = cache.capacity;
        if (b.qkv() != null) {
            float[] qkv = buffers.get(ForwardBuffers.Slot.QKV, count * 3 * qw);
            apply(b.qkv(), a, count, qkv, tap);
            for (int t = 0; t < count; t++) System.arraycopy(qkv, t * 3 * qw, q, t * qw, qw);
            KvCache.store(qkv, qw, 3 * qw, keys, start, count, kvHeads, cap, hd);
            KvCache.store(qkv, 2 * qw, 3 * qw, values, start, count, kvHeads, cap, hd);
        } else {
            apply(b.q(), a, count, q, tap);
            float[] k = buffers.get(ForwardBuffers.Slot.KEY, count * kvw), v = buffers.get(ForwardBuffers.Slot.VALUE, count * kvw);
            apply(b.k(), a, count, k, tap);
            apply(b.v(), a, count, v, tap);
            KvCache.store(k, 0, kvw, keys, start, count, kvHeads, cap, hd);
            KvCache.store(v, 0, kvw, values, start, count, kvHeads, cap, hd);
        }
        if (rope != null) {
            float[] cos = angles[0], sin = angles[1];
            int half = hd / 2;
            float[] c1 = new float[half], s1 = new float[half];
            for (int t = 0; t < count; t++) {
                System.arraycopy(cos, t * half, c1, 0, half);
                System.arraycopy(sin, t * half, s1, 0, half);
                rope.rotate(q, t * qw, heads, c1, s1);
                for (int h = 0; h < kvHeads; h++) rope.rotate(keys, KvCache.at(h, start + t, cap, hd), 1, c1, s1);
            }
        }
        float[] out = buffers.get(ForwardBuffers.Slot.CONTEXT, count * qw);
        if (count >= Projection.GEMM_MIN_TOKENS) attendBlock(layer, q, keys, values, cap, out, count, start);
        else attendRows(layer, q, keys, values, cap, out, count, start);
        return out;
    }

    /**
     * Many queries: per head and block of {@link #QUERY_BLOCK} queries, scores = Q·Kᵀ and context =
     * P·V as two GEMMs over the keys the block can see (the causal triangle is skipped block by
     * block; inside a block the masked entries are computed and then zeroed), heads split across
     * threads.
     */
    private void attendBlock(int layer, float[] q, float[] keys, float[] values, int cap, float[] out, int count, int start) {
        int hd = config.headDim(), heads = config.heads(layer), group = heads / config.kvHeads(layer);
        int qw = heads * hd;
        float scale = (float) (1 / Math.sqrt(hd));
        Parallel.forRange(heads, 1, (c, from, to) -> {
            float[] scores = new float[QUERY_BLOCK * (start + count)];
            for (int h = from; h < to; h++) {
                int kvh = h / group;
                for (int t0 = 0; t0 < count; t0 += QUERY_BLOCK) {
                    int rows = Math.min(QUERY_BLOCK, count - t0), span = start + t0 + rows;
                    Gemm.gemm(false, true, rows, span, hd, q, t0 * qw + h * hd, qw, keys, KvCache.at(kvh, 0, cap, hd), hd, false, scores, 0, span);
                    for (int t = 0; t < rows; t++) softmaxRow(scores, t * span, start + t0 + t + 1, span, scale);
                    Gemm.gemm(false, false, rows, hd, span, scores, 0, span, values, KvCache.at(kvh, 0, cap, hd), hd, false, out, t0 * qw + h * hd, qw);
                }
            }
        });
    }

    /**
     * Row r of scores: softmax of scale·s over the first visible entries, zero beyond (the causal
     * mask). Vectorised, with the exponentials' sum taken lane by lane and then in
     * {@link VectorPolicy#laneSum}'s fixed order, then the tail: the same order for every row of a
     * given length.
     */
    private static void softmaxRow(float[] s, int off, int visible, int span, float scale) {
        int bound = VectorPolicy.loopBound(visible), l = F.length();
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j < bound; j += l) {
            FloatVector v = FloatVector.fromArray(F, s, off + j).mul(scale);
            v.intoArray(s, off + j);
            vmax = vmax.max(v);
        }
        float max = bound > 0 ? vmax.reduceLanes(jdk.incubator.vector.VectorOperators.MAX) : Float.NEGATIVE_INFINITY;
        for (; j < visible; j++) {
            float v = s[off + j] * scale;
            s[off + j] = v;
            max = Math.max(max, v);
        }
        FloatVector acc = FloatVector.zero(F), vm = FloatVector.broadcast(F, max);
        for (j = 0; j < bound; j += l) {
            FloatVector e = FloatExp.exp(FloatVector.fromArray(F, s, off + j).sub(vm));
            e.intoArray(s, off + j);
            acc = acc.add(e);
        }
        float sum = 0;
        if (bound > 0) {
            float[] lanes = new float[l];
            acc.intoArray(lanes, 0);
            sum = VectorPolicy.laneSum(lanes);
        }
        for (; j < visible; j++) {
            float e = FloatExp.exp(s[off + j] - max);
            s[off + j] = e;
            sum += e;
        }
        float inv = 1 / sum;
        for (j = 0; j < bound; j += l) FloatVector.fromArray(F, s, off + j).mul(inv).intoArray(s, off + j);
        for (; j < visible; j++) s[off + j] *= inv;
        java.util.Arrays.fill(s, off + visible, off + span, 0f);
    }

    /**
     * Few queries (decoding): per query and head, dot products with every visible key, then a weighted
     * sum of values. The (query, head) items are shared out ({@link Parallel#share}) once they read
     * enough of the KV cache: each item's result goes to the computing thread's own buffer and is
     * copied out, and does not depend on who computes it. GPT-2 124M after a 512-token prompt reads
     * 3.1 MB of keys and values a layer; with a threshold of 4096 keys per chunk all 12 heads ran on
     * one thread, and attention took 4.8 of a token's 26 ms (decoding after an 8-token prompt: 21.5 ms).
     */
    private void attendRows(int layer, float[] q, float[] keys, float[] values, int cap, float[] out, int count, int start) {
        int hd = config.headDim(), heads = config.heads(layer), group = heads / config.kvHeads(layer);
        int qw = heads * hd;
        float scale = (float) (1 / Math.sqrt(hd));
        int work = count * heads, span = start + count;
        int chunks = (int) Math.max(1, Math.min(Math.min(work, ATTENTION_CHUNKS), (long) work * span / ATTENTION_MIN_KEYS));
        Parallel.share(chunks, c -> {
            int from = Parallel.bound(work, chunks, c), to = Parallel.bound(work, chunks, c + 1);
            float[] scores = new float[span], part = new float[(to - from) * hd];
            for (int item = from; item < to; item++) {
                int t = item / heads, h = item % heads, kvh = h / group;
                int visible = start + t + 1;
                scores(q, t * qw + h * hd, keys, KvCache.at(kvh, 0, cap, hd), hd, hd, visible, scores);
                softmaxRow(scores, 0, visible, visible, scale);
                weightedValues(scores, values, KvCache.at(kvh, 0, cap, hd), hd, hd, visible, part, (item - from) * hd);
            }
            return () -> {
                for (int item = from; item < to; item++)
                    System.arraycopy(part, (item - from) * hd, out, (item / heads) * qw + (item % heads) * hd, hd);
            };
        });
    }

    /** Most chunks a decoding step's attention is shared out in: a few per thread. */
    static final int ATTENTION_CHUNKS = 4;
    /**
     * Keys (one dot product and one weighted value each, a head's slice of the KV cache read) per
     * chunk at least: about 0.5 MB of keys and values at GPT-2's head size, tens of µs, well above a
     * hand-off to a helper that is already spinning (~3 µs).
     */
    static final long ATTENTION_MIN_KEYS = 1024;

    private float[] mlp(int layer, DecoderBlock b, float[] a, int count, ProjectionTap tap, ForwardBuffers buffers) {
        int f = config.intermediateSize(layer), d = config.hiddenSize();
        float[] hidden = buffers.get(ForwardBuffers.Slot.HIDDEN, count * f);
        if (b.fc() != null) {
            apply(b.fc(), a, count, hidden, tap);
            Activation.gpt2(config.activation(), hidden);
            float[] out = buffers.get(ForwardBuffers.Slot.MLP_OUT, count * d);
            apply(b.proj(), hidden, count, out, tap);
            return out;
        }
        float[] up = buffers.get(ForwardBuffers.Slot.UP, count * f);
        apply(b.gate(), a, count, hidden, tap);
        apply(b.up(), a, count, up, tap);
        Activation.swiglu(hidden, up);
        float[] out = buffers.get(ForwardBuffers.Slot.MLP_OUT, count * d);
        apply(b.down(), hidden, count, out, tap);
        return out;
    }

    /**
     * LayerNorm (bias != null) or RMSNorm of each row of x into y, rows split across threads. LayerNorm
     * is {@link LayerNormKernels#forwardRows} (float statistics in {@link VectorPolicy}'s fixed lane
     * order); RMSNorm sums squares in double. Each row's result depends on the row alone.
     */
    private void norm(float[] x, int rows, float[] weight, float[] bias, float[] y) {
        int d = config.hiddenSize();
        double eps = config.normEps();
        Parallel.forRange(rows, Math.max(1, NORM_MIN_FLOATS / d), (c, from, to) -> {
            if (bias != null) {
                LayerNormKernels.forwardRows(x, from * d, d, weight, bias, y, from * d, d, to - from, d, (float) eps);
                return;
            }
            for (int r = from; r < to; r++) {
                int base = r * d;
                double ss = 0;
                for (int i = 0; i < d; i++) ss += (double) x[base + i] * x[base + i];
                float rstd = (float) (1 / Math.sqrt(ss / d + eps));
                for (int i = 0; i < d; i++) y[base + i] = weight[i] * (x[base + i] * rstd);
            }
        });
    }

    private static void add(float[] h, float[] delta) {
        Elementwise.binary(Elementwise.Op.ADD, h, 0, delta, 0, h, 0, h.length);
    }

    /**
     * scores[j] = q · keys[j] for j in [0, visible) (key j at kOff + j·stride), each exactly as
     * {@link #dot} computes it, four keys in lockstep so each load of q serves four FMA chains, and
     * the lane sums folded in registers ({@link VectorPolicy#FOLD_8}): decoding attends over the
     * whole cache for every head of every block, one position at a time.
     */
    private static void scores(float[] q, int qOff, float[] keys, int kOff, int stride, int hd, int visible, float[] scores) {
        int bound = VectorPolicy.loopBound(hd), j = 0;
        if (bound > 0) {
            for (; j + 4 <= visible; j += 4) {
                int k0 = kOff + j * stride, k1 = k0 + stride, k2 = k1 + stride, k3 = k2 + stride;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int i = 0; i < bound; i += F.length()) {
                    FloatVector qv = FloatVector.fromArray(F, q, qOff + i);
                    a0 = qv.fma(FloatVector.fromArray(F, keys, k0 + i), a0);
                    a1 = qv.fma(FloatVector.fromArray(F, keys, k1 + i), a1);
                    a2 = qv.fma(FloatVector.fromArray(F, keys, k2 + i), a2);
                    a3 = qv.fma(FloatVector.fromArray(F, keys, k3 + i), a3);
                }
                if (VectorPolicy.FOLD_8 != null) {
                    a0 = a0.add(a0.rearrange(VectorPolicy.FOLD_8));
                    a1 = a1.add(a1.rearrange(VectorPolicy.FOLD_8));
                    a2 = a2.add(a2.rearrange(VectorPolicy.FOLD_8));
                    a3 = a3.add(a3.rearrange(VectorPolicy.FOLD_8));
                }
                if (VectorPolicy.FOLD_4 != null) {
                    a0 = a0.add(a0.rearrange(VectorPolicy.FOLD_4));
                    a1 = a1.add(a1.rearrange(VectorPolicy.FOLD_4));
                    a2 = a2.add(a2.rearrange(VectorPolicy.FOLD_4));
                    a3 = a3.add(a3.rearrange(VectorPolicy.FOLD_4));
                }
                a0 = a0.add(a0.rearrange(VectorPolicy.FOLD_2));
                a1 = a1.add(a1.rearrange(VectorPolicy.FOLD_2));
                a2 = a2.add(a2.rearrange(VectorPolicy.FOLD_2));
                a3 = a3.add(a3.rearrange(VectorPolicy.FOLD_2));
                a0 = a0.add(a0.rearrange(VectorPolicy.FOLD_1));
                a1 = a1.add(a1.rearrange(VectorPolicy.FOLD_1));
                a2 = a2.add(a2.rearrange(VectorPolicy.FOLD_1));
                a3 = a3.add(a3.rearrange(VectorPolicy.FOLD_1));
                float s0 = a0.lane(0), s1 = a1.lane(0), s2 = a2.lane(0), s3 = a3.lane(0);
                for (int i = bound; i < hd; i++) {
                    s0 = Math.fma(q[qOff + i], keys[k0 + i], s0);
                    s1 = Math.fma(q[qOff + i], keys[k1 + i], s1);
                    s2 = Math.fma(q[qOff + i], keys[k2 + i], s2);
                    s3 = Math.fma(q[qOff + i], keys[k3 + i], s3);
                }
                scores[j] = s0;
                scores[j + 1] = s1;
                scores[j + 2] = s2;
                scores[j + 3] = s3;
            }
        }
        for (; j < visible; j++) scores[j] = dot(q, qOff, keys, kOff + j * stride, hd);
    }

    /**
     * out[oOff + i] += Σ_j weights[j]·values[j][i] over j in [0, visible) (value j at vOff + j·stride),
     * in ascending j with one FMA per term (value times weight, plus the sum so far): four vectors of the
     * output stay in registers across all positions instead of being loaded and stored for each.
     */
    private static void weightedValues(float[] weights, float[] values, int vOff, int stride, int hd, int visible, float[] out, int oOff) {
        int l = F.length(), bound = VectorPolicy.loopBound(hd), i = 0;
        for (; i + 4 * l <= bound; i += 4 * l) {
            FloatVector o0 = FloatVector.fromArray(F, out, oOff + i), o1 = FloatVector.fromArray(F, out, oOff + i + l);
            FloatVector o2 = FloatVector.fromArray(F, out, oOff + i + 2 * l), o3 = FloatVector.fromArray(F, out, oOff + i + 3 * l);
            for (int j = 0; j < visible; j++) {
                FloatVector w = FloatVector.broadcast(F, weights[j]);
                int v = vOff + j * stride + i;
                o0 = FloatVector.fromArray(F, values, v).fma(w, o0);
                o1 = FloatVector.fromArray(F, values, v + l).fma(w, o1);
                o2 = FloatVector.fromArray(F, values, v + 2 * l).fma(w, o2);
                o3 = FloatVector.fromArray(F, values, v + 3 * l).fma(w, o3);
            }
            o0.intoArray(out, oOff + i);
            o1.intoArray(out, oOff + i + l);
            o2.intoArray(out, oOff + i + 2 * l);
            o3.intoArray(out, oOff + i + 3 * l);
        }
        for (; i < bound; i += l) {
            FloatVector o = FloatVector.fromArray(F, out, oOff + i);
            for (int j = 0; j < visible; j++) o = FloatVector.fromArray(F, values, vOff + j * stride + i).fma(FloatVector.broadcast(F, weights[j]), o);
            o.intoArray(out, oOff + i);
        }
        for (; i < hd; i++) {
            float o = out[oOff + i];
            for (int j = 0; j < visible; j++) o = Math.fma(values[vOff + j * stride + i], weights[j], o);
            out[oOff + i] = o;
        }
    }

    private static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int bound = VectorPolicy.loopBound(n);
        float s = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < bound; i += F.length()) acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
            float[] lanes = new float[F.length()];
            acc.intoArray(lanes, 0);
            s = VectorPolicy.laneSum(lanes);
        }
        for (int i = bound; i < n; i++) s = Math.fma(a[aOff + i], b[bOff + i], s);
        return s;
    }
}
