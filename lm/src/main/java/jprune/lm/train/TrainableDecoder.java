package jprune.lm.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.lm.model.LmConfig;
import jprune.lm.model.TensorLayout;
import jprune.nn.Parameter;
import jprune.nn.autograd.Arithmetic;
import jprune.nn.autograd.EmbeddingOp;
import jprune.nn.autograd.MatMul;
import jprune.nn.autograd.Normalization;
import jprune.nn.autograd.Variable;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;

/**
 * A decoder-only language model on the autograd engine, for training: GPT-2 (learned positions,
 * pre-LayerNorm blocks, fused QKV, tanh GELU) or the Llama family (RMSNorm, rotary positions,
 * SwiGLU, grouped-query attention), tied or untied head. Its parameters carry exactly the Hugging
 * Face names of {@link TensorLayout#of}; matrices are held [out, in] (nn.Linear's layout) for
 * {@link MatMul#linear}, including GPT-2's, which {@link #exportTensors()} transposes to the [in, out]
 * of transformers' Conv1D. The forward computes what {@code jprune.lm.model.DecoderModel} computes
 * from the exported checkpoint.
 */
public final class TrainableDecoder {
    /** Standard deviation of the initial matrices and embeddings (transformers' initializer_range). */
    public static final double INIT_STD = 0.02;

    private final LmConfig config;
    private final LinkedHashMap<String, Parameter> params = new LinkedHashMap<>();
    private final Map<Integer, RotaryEmbedding> ropes = new java.util.HashMap<>();

    /**
     * A model with fresh weights: matrices and embeddings N(0, 0.02²), the residual projections
     * (attention output, MLP down) N(0, (0.02/√(2·layers))²) as GPT-2 does so the residual stream's
     * variance does not grow with depth, biases zero, norm weights one. Each tensor draws from its
     * own stream (seed, index in the layout).
     */
    public TrainableDecoder(LmConfig config, long seed) {
        this.config = config;
        List<TensorLayout.Spec> specs = TensorLayout.of(config);
        double residualStd = INIT_STD / Math.sqrt(2.0 * config.layers());
        for (int k = 0; k < specs.size(); k++) {
            TensorLayout.Spec s = specs.get(k);
            int[] shape = internalShape(s);
            Rng rng = new Rng(seed).fork(k + 1);
            Tensor value = switch (s.role()) {
                case EMBEDDING, MATRIX -> Tensor.randn(rng, (float) (isResidualProjection(s.name()) ? residualStd : INIT_STD), shape);
                case NORM_WEIGHT -> Tensor.full(1f, shape);
                case BIAS -> Tensor.zeros(shape);
            };
            params.put(s.name(), new Parameter(value, kind(s.role())));
        }
    }

    /** A model holding the given values (HF names, stored shapes as in the checkpoint); for tests and resuming. */
    public static TrainableDecoder fromTensors(LmConfig config, Map<String, float[]> stored) {
        TrainableDecoder m = new TrainableDecoder(config, 0);
        for (TensorLayout.Spec s : TensorLayout.of(config)) {
            float[] v = stored.get(s.name());
            if (v == null || v.length != s.numel()) throw new IllegalArgumentException("missing or mis-sized tensor " + s.name());
            float[] internal = m.isConv1d(s.name()) ? transpose(v, (int) s.shape()[0], (int) s.shape()[1]) : v.clone();
            System.arraycopy(internal, 0, m.params.get(s.name()).value().data(), 0, internal.length);
        }
        return m;
    }

    public LmConfig config() {
        return config;
    }

    /** Every parameter under its Hugging Face name, in the layout's order. */
    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /** Parameters that take weight decay: the matrices of the blocks and an untied head (not embeddings, norms or biases). */
    public List<Parameter> decayed() {
        return params.values().stream().filter(p -> p.kind() == Parameter.Kind.WEIGHT).toList();
    }

    /** The rest: embeddings (and with them a tied head), norm weights and biases. */
    public List<Parameter> notDecayed() {
        return params.values().stream().filter(p -> p.kind() != Parameter.Kind.WEIGHT).toList();
    }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : params.values()) n += p.numel();
        return n;
    }

    /** Logits [batch·seqlen, vocab] of ids [batch·seqlen] (sequences back to back, each from position 0). */
    public Variable forward(int[] ids, int batch, int seqlen) {
        if (ids.length != batch * seqlen) throw new IllegalArgumentException("forward: " + ids.length + " ids for batch " + batch + " × seqlen " + seqlen);
        if (seqlen > config.maxPositions())
            throw new IllegalArgumentException("sequence of " + seqlen + " tokens exceeds the model's " + config.maxPositions() + " positions");
        return config.family() == LmConfig.Family.GPT2 ? gpt2(ids, batch, seqlen) : llama(ids, batch, seqlen);
    }

    private Variable gpt2(int[] ids, int batch, int seqlen) {
        float eps = (float) config.normEps();
        Parameter wte = p("transformer.wte.weight");
        int[] positions = new int[ids.length];
        for (int i = 0; i < ids.length; i++) positions[i] = i % seqlen;
        Variable x = Arithmetic.add(EmbeddingOp.lookup(wte, ids), EmbeddingOp.lookup(p("transformer.wpe.weight"), positions));
        for (int l = 0; l < config.layers(); l++) {
            String b = "transformer.h." + l + ".";
            Variable a = Normalization.layerNorm(x, p(b + "ln_1.weight"), p(b + "ln_1.bias"), eps);
            Variable qkv = MatMul.linear(a, p(b + "attn.c_attn.weight"), p(b + "attn.c_attn.bias"));
            int heads = config.heads(l), q = heads * config.headDim();
            Variable ctx = CausalAttention.apply(new CausalAttention.Operand(qkv, 0, 3 * q), new CausalAttention.Operand(qkv, q, 3 * q),
                    new CausalAttention.Operand(qkv, 2 * q, 3 * q), batch, seqlen, heads, heads, config.headDim());
            x = Arithmetic.add(x, MatMul.linear(ctx, p(b + "attn.c_proj.weight"), p(b + "attn.c_proj.bias")));
            Variable m = Normalization.layerNorm(x, p(b + "ln_2.weight"), p(b + "ln_2.bias"), eps);
            Variable h = activation(MatMul.linear(m, p(b + "mlp.c_fc.weight"), p(b + "mlp.c_fc.bias")));
            x = Arithmetic.add(x, MatMul.linear(h, p(b + "mlp.c_proj.weight"), p(b + "mlp.c_proj.bias")));
        }
        x = Normalization.layerNorm(x, p("transformer.ln_f.weight"), p("transformer.ln_f.bias"), eps);
        return MatMul.linear(x, config.tiedEmbeddings() ? wte : p("lm_head.weight"), null);
    }

    private Variable activation(Variable x) {
        return switch (config.activation()) {
            case "gelu_new", "gelu_pytorch_tanh" -> GeluTanh.apply(x);
            case "gelu" -> jprune.nn.autograd.Activation.gelu(x);
            case "relu" -> jprune.nn.autograd.Activation.relu(x);
            default -> throw new IllegalArgumentException("unsupported activation " + config.activation());
        };
    }

    private Variable llama(int[] ids, int batch, int seqlen) {
        float eps = (float) config.normEps();
        Parameter embed = p("model.embed_tokens.weight");
        RotaryEmbedding rope = ropes.computeIfAbsent(seqlen, s -> new RotaryEmbedding(config, s));
        Variable x = EmbeddingOp.lookup(embed, ids);
        for (int l = 0; l < config.layers(); l++) {
            String b = "model.layers." + l + ".";
            Variable a = RmsNorm.apply(x, p(b + "input_layernorm.weight"), eps);
            Variable q = rope.apply(linear(a, b + "self_attn.q_proj", config.qkvBias()));
            Variable k = rope.apply(linear(a, b + "self_attn.k_proj", config.qkvBias()));
            Variable v = linear(a, b + "self_attn.v_proj", config.qkvBias());
            Variable ctx = CausalAttention.apply(CausalAttention.Operand.of(q), CausalAttention.Operand.of(k), CausalAttention.Operand.of(v),
                    batch, seqlen, config.heads(l), config.kvHeads(l), config.headDim());
            x = Arithmetic.add(x, linear(ctx, b + "self_attn.o_proj", config.outputBias()));
            Variable m = RmsNorm.apply(x, p(b + "post_attention_layernorm.weight"), eps);
            Variable h = SwiGlu.apply(linear(m, b + "mlp.gate_proj", config.mlpBias()), linear(m, b + "mlp.up_proj", config.mlpBias()));
            x = Arithmetic.add(x, linear(h, b + "mlp.down_proj", config.mlpBias()));
        }
        x = RmsNorm.apply(x, p("model.norm.weight"), eps);
        return MatMul.linear(x, config.tiedEmbeddings() ? embed : p("lm_head.weight"), null);
    }

    private Variable linear(Variable x, String prefix, boolean bias) {
        return MatMul.linear(x, p(prefix + ".weight"), bias ? p(prefix + ".bias") : null);
    }

    private Parameter p(String name) {
        return params.get(name);
    }

    /** One tensor as the checkpoint stores it. */
    public record Stored(String name, long[] shape, float[] values) {}

    /** Every tensor of {@link TensorLayout#of}, named and shaped as transformers saves them (GPT-2's Conv1D matrices transposed to [in, out]). */
    public List<Stored> exportTensors() {
        List<Stored> out = new ArrayList<>();
        for (TensorLayout.Spec s : TensorLayout.of(config)) {
            float[] v = params.get(s.name()).value().data();
            // internal [out, in] = stored shape reversed
            out.add(new Stored(s.name(), s.shape(), isConv1d(s.name()) ? transpose(v, (int) s.shape()[1], (int) s.shape()[0]) : v.clone()));
        }
        return out;
    }

    /** GPT-2's block matrices are Conv1D, stored [in, out]. */
    private boolean isConv1d(String name) {
        return config.family() == LmConfig.Family.GPT2 && name.startsWith("transformer.h.") && name.endsWith(".weight")
                && (name.contains(".attn.") || name.contains(".mlp."));
    }

    private static boolean isResidualProjection(String name) {
        return name.endsWith("attn.c_proj.weight") || name.endsWith("mlp.c_proj.weight") || name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight");
    }

    private int[] internalShape(TensorLayout.Spec s) {
        long[] sh = s.shape();
        if (isConv1d(s.name())) return new int[] {(int) sh[1], (int) sh[0]};
        int[] out = new int[sh.length];
        for (int i = 0; i < sh.length; i++) out[i] = (int) sh[i];
        return out;
    }

    private static Parameter.Kind kind(TensorLayout.Role role) {
        return switch (role) {
            case EMBEDDING -> Parameter.Kind.EMBEDDING;
            case MATRIX -> Parameter.Kind.WEIGHT;
            case NORM_WEIGHT -> Parameter.Kind.NORM_SCALE;
            case BIAS -> Parameter.Kind.BIAS;
        };
    }

    /** [rows, cols] → [cols, rows]. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }
}
