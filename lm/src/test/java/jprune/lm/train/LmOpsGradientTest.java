package jprune.lm.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import jprune.lm.model.LmConfig;
import jprune.nn.autograd.Variable;
import jprune.nn.io.Json;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Finite-difference gradient checks of the language-model ops, on odd small sizes. */
class LmOpsGradientTest {
    private static void check(String what, Function<List<Variable>, Variable> f, Tensor... inputs) {
        double worst = jprune.nn.autograd.GradCheck.worstRatio(f, List.of(inputs), 1e-2, 2e-2, 2e-3, 11);
        assertTrue(worst <= 1, what + ": worst gradient mismatch ratio " + worst);
    }

    private static Tensor randn(long seed, float std, int... shape) {
        return Tensor.randn(new Rng(seed), std, shape);
    }

    @Test
    void attentionWithSeparateOperandsAndGroupedHeads() {
        int b = 2, t = 5, heads = 4, kv = 2, hd = 3;
        check("attention gqa", v -> CausalAttention.apply(CausalAttention.Operand.of(v.get(0)), CausalAttention.Operand.of(v.get(1)),
                        CausalAttention.Operand.of(v.get(2)), b, t, heads, kv, hd),
                randn(1, 1f, b * t, heads * hd), randn(2, 1f, b * t, kv * hd), randn(3, 1f, b * t, kv * hd));
    }

    @Test
    void attentionReadingAFusedQkv() {
        int b = 2, t = 4, heads = 3, hd = 2, d = heads * hd;
        check("attention fused", v -> CausalAttention.apply(new CausalAttention.Operand(v.get(0), 0, 3 * d), new CausalAttention.Operand(v.get(0), d, 3 * d),
                new CausalAttention.Operand(v.get(0), 2 * d, 3 * d), b, t, heads, heads, hd), randn(4, 1f, b * t, 3 * d));
    }

    @Test
    void multiQueryAttention() {
        int b = 1, t = 6, heads = 2, kv = 1, hd = 4;
        check("attention mqa", v -> CausalAttention.apply(CausalAttention.Operand.of(v.get(0)), CausalAttention.Operand.of(v.get(1)),
                        CausalAttention.Operand.of(v.get(2)), b, t, heads, kv, hd),
                randn(5, 1f, b * t, heads * hd), randn(6, 1f, b * t, kv * hd), randn(7, 1f, b * t, kv * hd));
    }

    @Test
    void rmsNorm() {
        Tensor w = randn(8, 0.5f, 7);
        for (int i = 0; i < 7; i++) w.data()[i] += 1;
        check("rms norm", v -> RmsNorm.apply(v.get(0), v.get(1), 1e-5f), randn(9, 1f, 5, 7), w);
    }

    @Test
    void rotaryEmbedding() {
        LmConfig c = llama(2, 6);
        RotaryEmbedding rope = new RotaryEmbedding(c, 5);
        check("rope", v -> rope.apply(v.get(0)), randn(10, 1f, 2 * 5, 2 * 6));
    }

    @Test
    void swiglu() {
        check("swiglu", v -> SwiGlu.apply(v.get(0), v.get(1)), randn(11, 2f, 3, 9), randn(12, 1f, 3, 9));
    }

    @Test
    void geluTanh() {
        check("gelu tanh", v -> GeluTanh.apply(v.get(0)), randn(13, 2f, 4, 11));
    }

    @Test
    void tokenCrossEntropy() {
        check("cross entropy", v -> TokenCrossEntropy.apply(v.get(0), new int[] {3, 0, 10, 7, 7}), randn(14, 2f, 5, 11));
    }

    static LmConfig llama(int heads, int headDim) {
        return LmConfig.fromJson(Json.parseObject("{\"model_type\":\"llama\",\"vocab_size\":11,\"hidden_size\":" + heads * headDim + ",\"intermediate_size\":8,"
                + "\"num_hidden_layers\":1,\"num_attention_heads\":" + heads + ",\"max_position_embeddings\":16,\"rope_theta\":100.0}"));
    }
}
