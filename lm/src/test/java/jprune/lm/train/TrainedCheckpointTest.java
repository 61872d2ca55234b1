package jprune.lm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.KvCache;
import jprune.lm.model.LmConfig;
import jprune.lm.model.TensorLayout;
import jprune.nn.autograd.GradMode;
import jprune.nn.io.Json;
import jprune.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported checkpoint computes what the training model computes: after a few training steps
 * (so no weight is at its symmetric initial value), the inference forward of the written directory
 * gives the training forward's logits, for both families, tied and untied, with grouped-query
 * attention and biases.
 */
class TrainedCheckpointTest {
    @TempDir Path dir;

    static LmConfig config(String json) {
        return LmConfig.fromJson(Json.parseObject(json));
    }

    static LmConfig gpt2(boolean tied) {
        return config("{\"model_type\":\"gpt2\",\"vocab_size\":37,\"n_embd\":24,\"n_head\":3,\"n_layer\":2,\"n_positions\":12,\"tie_word_embeddings\":" + tied + "}");
    }

    static LmConfig llama(boolean tied, boolean bias) {
        return config("{\"model_type\":\"llama\",\"vocab_size\":41,\"hidden_size\":32,\"intermediate_size\":40,\"num_hidden_layers\":2,"
                + "\"num_attention_heads\":4,\"num_key_value_heads\":2,\"max_position_embeddings\":12,\"rope_theta\":500.0,\"rms_norm_eps\":1e-5,"
                + "\"attention_bias\":" + bias + ",\"mlp_bias\":" + bias + ",\"tie_word_embeddings\":" + tied + "}");
    }

    @Test
    void gpt2Tied() throws Exception {
        roundTrip(gpt2(true));
    }

    @Test
    void gpt2Untied() throws Exception {
        roundTrip(gpt2(false));
    }

    @Test
    void llamaGqaUntied() throws Exception {
        roundTrip(llama(false, false));
    }

    @Test
    void llamaGqaTiedWithBiases() throws Exception {
        roundTrip(llama(true, true));
    }

    private void roundTrip(LmConfig c) throws Exception {
        TrainableDecoder m = new TrainableDecoder(c, 5);
        assertEquals(c.parameterCount(), m.parameterCount());
        // Large weights, so activations are O(1) and a wrong convention (erf for tanh GELU, say) shows in the logits.
        Rng noise = new Rng(21);
        for (var p : m.parameters().values()) {
            float[] v = p.value().data();
            for (int i = 0; i < v.length; i++) v[i] += (float) (0.3 * noise.nextGaussian());
        }
        int seqlen = 10;
        int[] stream = randomTokens(c.vocabSize(), 400);
        LmTrainConfig tc = new LmTrainConfig(3, seqlen, 4, 1e-2, 1, 0.1, 0.9, 0.95, 1e-8, 0.1, 1.0, 0, 2, 3);
        new LmTrainer(m, tc).train(stream, stream, null);
        Path out = dir.resolve("ckpt");
        TrainedCheckpoint.write(out, m, null);
        int[] ids = Arrays.copyOf(stream, seqlen);
        float[] expected;
        try (var g = GradMode.noGrad()) {
            expected = m.forward(ids, 1, seqlen).value().data();
        }
        try (HfCheckpoint ck = HfCheckpoint.open(out)) {
            Set<String> names = new HashSet<>();
            for (TensorLayout.Spec s : TensorLayout.of(c)) {
                names.add(s.name());
                assertTrue(Arrays.equals(s.shape(), ck.tensor(s.name()).shape()), s.name());
            }
            assertEquals(names, ck.tensors().keySet());
            DecoderModel dm = DecoderModel.open(ck);
            float[] logits = new float[seqlen * c.vocabSize()];
            dm.logits(dm.forward(ids, 0, seqlen, new KvCache(c, seqlen)), seqlen, logits);
            double worst = 0;
            for (int i = 0; i < logits.length; i++) worst = Math.max(worst, Math.abs(logits[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
            assertTrue(worst < 1e-4, c.modelType() + ": inference logits differ from the training forward's by " + worst);
        }
    }

    private static int[] randomTokens(int vocab, int n) {
        Rng r = new Rng(17);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(vocab);
        return t;
    }
}
