package jprune.lm.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The tensors a Hugging Face checkpoint of a given config holds, named and shaped as transformers'
 * {@code save_pretrained} writes them (GPT2LMHeadModel, LlamaForCausalLM, Qwen2ForCausalLM), with
 * what each one is, so that checkpoints jprune creates load in transformers unchanged.
 */
public final class TensorLayout {
    /** What a tensor is: decides how it is initialised. */
    public enum Role { EMBEDDING, MATRIX, NORM_WEIGHT, BIAS }

    /** One tensor: name, shape (as stored), role. */
    public record Spec(String name, long[] shape, Role role) {
        public long numel() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    private TensorLayout() {}

    public static List<Spec> of(LmConfig c) {
        List<Spec> out = new ArrayList<>();
        long d = c.hiddenSize(), v = c.vocabSize();
        if (c.family() == LmConfig.Family.GPT2) {
            String p = "transformer.";
            out.add(new Spec(p + "wte.weight", new long[] {v, d}, Role.EMBEDDING));
            out.add(new Spec(p + "wpe.weight", new long[] {c.maxPositions(), d}, Role.EMBEDDING));
            for (int l = 0; l < c.layers(); l++) {
                String b = p + "h." + l + ".";
                long f = c.intermediateSize(l), q = (long) c.heads(l) * c.headDim();
                out.add(new Spec(b + "ln_1.weight", new long[] {d}, Role.NORM_WEIGHT));
                out.add(new Spec(b + "ln_1.bias", new long[] {d}, Role.BIAS));
                out.add(new Spec(b + "attn.c_attn.weight", new long[] {d, 3 * q}, Role.MATRIX));
                out.add(new Spec(b + "attn.c_attn.bias", new long[] {3 * q}, Role.BIAS));
                out.add(new Spec(b + "attn.c_proj.weight", new long[] {q, d}, Role.MATRIX));
                out.add(new Spec(b + "attn.c_proj.bias", new long[] {d}, Role.BIAS));
                out.add(new Spec(b + "ln_2.weight", new long[] {d}, Role.NORM_WEIGHT));
                out.add(new Spec(b + "ln_2.bias", new long[] {d}, Role.BIAS));
                out.add(new Spec(b + "mlp.c_fc.weight", new long[] {d, f}, Role.MATRIX));
                out.add(new Spec(b + "mlp.c_fc.bias", new long[] {f}, Role.BIAS));
                out.add(new Spec(b + "mlp.c_proj.weight", new long[] {f, d}, Role.MATRIX));
                out.add(new Spec(b + "mlp.c_proj.bias", new long[] {d}, Role.BIAS));
            }
            out.add(new Spec(p + "ln_f.weight", new long[] {d}, Role.NORM_WEIGHT));
            out.add(new Spec(p + "ln_f.bias", new long[] {d}, Role.BIAS));
            if (!c.tiedEmbeddings()) out.add(new Spec("lm_head.weight", new long[] {v, d}, Role.MATRIX));
            return out;
        }
        out.add(new Spec("model.embed_tokens.weight", new long[] {v, d}, Role.EMBEDDING));
        for (int l = 0; l < c.layers(); l++) {
            String b = "model.layers." + l + ".";
            long q = (long) c.heads(l) * c.headDim(), kv = (long) c.kvHeads(l) * c.headDim(), f = c.intermediateSize(l);
            out.add(new Spec(b + "input_layernorm.weight", new long[] {d}, Role.NORM_WEIGHT));
            linear(out, b + "self_attn.q_proj", q, d, c.qkvBias());
            linear(out, b + "self_attn.k_proj", kv, d, c.qkvBias());
            linear(out, b + "self_attn.v_proj", kv, d, c.qkvBias());
            linear(out, b + "self_attn.o_proj", d, q, c.outputBias());
            out.add(new Spec(b + "post_attention_layernorm.weight", new long[] {d}, Role.NORM_WEIGHT));
            linear(out, b + "mlp.gate_proj", f, d, c.mlpBias());
            linear(out, b + "mlp.up_proj", f, d, c.mlpBias());
            linear(out, b + "mlp.down_proj", d, f, c.mlpBias());
        }
        out.add(new Spec("model.norm.weight", new long[] {d}, Role.NORM_WEIGHT));
        if (!c.tiedEmbeddings()) out.add(new Spec("lm_head.weight", new long[] {v, d}, Role.MATRIX));
        return out;
    }

    private static void linear(List<Spec> out, String prefix, long rows, long cols, boolean bias) {
        out.add(new Spec(prefix + ".weight", new long[] {rows, cols}, Role.MATRIX));
        if (bias) out.add(new Spec(prefix + ".bias", new long[] {rows}, Role.BIAS));
    }
}
