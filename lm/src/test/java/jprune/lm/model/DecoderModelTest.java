package jprune.lm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import jprune.lm.hf.DType;
import jprune.lm.hf.HfCheckpoint;
import jprune.nn.io.Json;
import jprune.tensor.Parallel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoding with the KV cache, thread counts and the forward's invariants on random checkpoints of both families. */
class DecoderModelTest {
    @TempDir Path dir;

    static LmConfig gpt2() {
        return LmConfig.fromJson(Json.parseObject("{\"model_type\":\"gpt2\",\"vocab_size\":101,\"n_embd\":48,\"n_head\":3,\"n_layer\":2,\"n_positions\":40}"));
    }

    static LmConfig llama() {
        return LmConfig.fromJson(Json.parseObject("{\"model_type\":\"llama\",\"vocab_size\":89,\"hidden_size\":64,\"intermediate_size\":96,"
                + "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"max_position_embeddings\":64,\"rope_theta\":10000.0}"));
    }

    private static final int[] TOKENS = {5, 17, 3, 88, 42, 0, 7, 7, 61, 12, 33, 2, 19};

    @Test
    void kvCacheDecodingEqualsTheFullForwardGpt2() throws Exception {
        cacheMatchesFull(gpt2(), DType.F32, 0);
    }

    @Test
    void kvCacheDecodingEqualsTheFullForwardLlamaBf16Sharded() throws Exception {
        cacheMatchesFull(llama(), DType.BF16, 20_000);
    }

    private void cacheMatchesFull(LmConfig c, DType dtype, long shard) throws Exception {
        Path ckDir = dir.resolve("m");
        RandomCheckpoint.write(ckDir, c, dtype, 3, shard);
        try (HfCheckpoint ck = HfCheckpoint.open(ckDir)) {
            assertEquals(shard > 0, ck.sharded());
            DecoderModel m = DecoderModel.open(ck);
            int v = c.vocabSize(), d = c.hiddenSize(), n = TOKENS.length;
            float[] full = new float[n * v];
            m.logits(m.forward(TOKENS, 0, n, new KvCache(c, n)), n, full);
            KvCache cache = new KvCache(c, n);
            float[] split = new float[n * v];
            // a 4-token prefill (the GEMM path), then one token at a time (the matrix-vector path)
            float[] first = new float[4 * v];
            m.logits(m.forward(TOKENS, 0, 4, cache), 4, first);
            System.arraycopy(first, 0, split, 0, 4 * v);
            for (int t = 4; t < n; t++) {
                float[] one = new float[v];
                m.logits(m.forward(TOKENS, t, 1, cache), 1, one);
                System.arraycopy(one, 0, split, t * v, v);
            }
            assertEquals(n, cache.length());
            double scale = 0;
            for (float f : full) scale = Math.max(scale, Math.abs(f));
            assertTrue(scale > 1e-3, "logits are degenerate");
            for (int i = 0; i < full.length; i++) assertEquals(full[i], split[i], 2e-5 * scale, "logit " + i);
            assertEquals(d, c.hiddenSize());
        }
    }

    @Test
    void laterTokensDoNotChangeEarlierLogits() throws Exception {
        LmConfig c = llama();
        RandomCheckpoint.write(dir.resolve("m"), c, DType.F32, 5, 0);
        try (HfCheckpoint ck = HfCheckpoint.open(dir.resolve("m"))) {
            DecoderModel m = DecoderModel.open(ck);
            int[] other = TOKENS.clone();
            other[10] = 1;
            float[] a = m.forward(TOKENS, 0, TOKENS.length, new KvCache(c, 16));
            float[] b = m.forward(other, 0, other.length, new KvCache(c, 16));
            int d = c.hiddenSize();
            for (int i = 0; i < 10 * d; i++) assertEquals(a[i], b[i], 0f);
            boolean changed = false;
            for (int i = 10 * d; i < 11 * d; i++) changed |= a[i] != b[i];
            assertTrue(changed);
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() throws Exception {
        for (LmConfig c : new LmConfig[] {gpt2(), llama()}) {
            Path p = dir.resolve(c.modelType());
            RandomCheckpoint.write(p, c, DType.BF16, 9, 0);
            int before = Parallel.threads();
            try (HfCheckpoint ck = HfCheckpoint.open(p)) {
                DecoderModel m = DecoderModel.open(ck);
                Parallel.setThreads(1);
                float[] one = m.forward(TOKENS, 0, TOKENS.length, new KvCache(c, 16));
                float[] oneStep = m.forward(TOKENS, 0, 1, new KvCache(c, 16));
                Parallel.setThreads(2);
                assertArrayEquals(one, m.forward(TOKENS, 0, TOKENS.length, new KvCache(c, 16)));
                assertArrayEquals(oneStep, m.forward(TOKENS, 0, 1, new KvCache(c, 16)));
            } finally {
                Parallel.setThreads(before);
            }
        }
    }

    /**
     * A prompt long and wide enough that a prefill splits its products' columns, its norms' rows and
     * its activations across threads: the same bits at 1 and 2 threads, for both families.
     */
    @Test
    void aPrefillSplitAcrossThreadsGivesTheSameBits() throws Exception {
        LmConfig[] configs = {
                LmConfig.fromJson(Json.parseObject("{\"model_type\":\"gpt2\",\"vocab_size\":101,\"n_embd\":256,\"n_head\":4,\"n_layer\":1,\"n_positions\":160}")),
                LmConfig.fromJson(Json.parseObject("{\"model_type\":\"llama\",\"vocab_size\":89,\"hidden_size\":256,\"intermediate_size\":704,"
                        + "\"num_hidden_layers\":1,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"max_position_embeddings\":160,\"rope_theta\":10000.0}"))};
        int[] tokens = new int[150];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 37 + 11) % 89;
        for (LmConfig c : configs) {
            Path p = dir.resolve("wide-" + c.modelType());
            RandomCheckpoint.write(p, c, c.family() == LmConfig.Family.GPT2 ? DType.F32 : DType.BF16, 4, 0);
            int before = Parallel.threads();
            try (HfCheckpoint ck = HfCheckpoint.open(p)) {
                DecoderModel m = DecoderModel.open(ck);
                Parallel.setThreads(1);
                float[] one = m.forward(tokens, 0, tokens.length, new KvCache(c, tokens.length));
                Parallel.setThreads(2);
                assertArrayEquals(one, m.forward(tokens, 0, tokens.length, new KvCache(c, tokens.length)), c.modelType());
            } finally {
                Parallel.setThreads(before);
            }
        }
    }

    /**
     * Decoding after a long enough prompt shares its attention's (query, head) items out across
     * threads (16 heads × 150 keys): the same bits at 1 and 2 threads, and the full forward's values.
     */
    @Test
    void decodingAttentionSplitAcrossThreadsGivesTheSameBits() throws Exception {
        LmConfig[] configs = {
                LmConfig.fromJson(Json.parseObject("{\"model_type\":\"gpt2\",\"vocab_size\":101,\"n_embd\":256,\"n_head\":16,\"n_layer\":1,\"n_positions\":160}")),
                LmConfig.fromJson(Json.parseObject("{\"model_type\":\"llama\",\"vocab_size\":89,\"hidden_size\":256,\"intermediate_size\":704,"
                        + "\"num_hidden_layers\":1,\"num_attention_heads\":16,\"num_key_value_heads\":4,\"max_position_embeddings\":160,\"rope_theta\":10000.0}"))};
        int[] tokens = new int[150];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 37 + 11) % 89;
        int prompt = 140;
        assertTrue(16L * (prompt + 1) >= 2 * DecoderModel.ATTENTION_MIN_KEYS, "the test's decoding steps must split");
        for (LmConfig c : configs) {
            Path p = dir.resolve("heads-" + c.modelType());
            RandomCheckpoint.write(p, c, DType.F32, 6, 0);
            int before = Parallel.threads();
            try (HfCheckpoint ck = HfCheckpoint.open(p)) {
                DecoderModel m = DecoderModel.open(ck);
                float[][] steps = new float[2][];
                for (int threads = 1; threads <= 2; threads++) {
                    Parallel.setThreads(threads);
                    KvCache cache = new KvCache(c, tokens.length);
                    m.forward(tokens, 0, prompt, cache);
                    int d = c.hiddenSize();
                    float[] out = new float[(tokens.length - prompt) * d];
                    for (int t = prompt; t < tokens.length; t++) System.arraycopy(m.forward(tokens, t, 1, cache), 0, out, (t - prompt) * d, d);
                    steps[threads - 1] = out;
                }
                assertArrayEquals(steps[0], steps[1], c.modelType() + ": decoding at 1 and 2 threads");
                float[] full = m.forward(tokens, 0, tokens.length, new KvCache(c, tokens.length));
                int d = c.hiddenSize();
                for (int i = 0; i < steps[1].length; i++)
                    assertEquals(full[prompt * d + i], steps[1][i], 1e-4 * Math.max(1, Math.abs(full[prompt * d + i])), c.modelType() + " against the full forward, " + i);
            } finally {
                Parallel.setThreads(before);
            }
        }
    }

    /**
     * forward reuses its intermediate arrays from block to block; forwardBlock gives every block fresh
     * ones. Blocks of different widths (heads, KV heads, MLP), two prompt lengths in a row: the same bits.
     */
    @Test
    void reusedBuffersGiveTheBitsOfFreshOnesAcrossBlocksOfDifferentWidths() throws Exception {
        LmConfig c = LmConfig.fromJson(Json.parseObject("{\"model_type\":\"llama\",\"vocab_size\":89,\"hidden_size\":64,\"intermediate_size\":96,"
                + "\"num_hidden_layers\":3,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"max_position_embeddings\":64,\"rope_theta\":10000.0,"
                + "\"jprune_layer_heads\":[4,2,4],\"jprune_layer_kv_heads\":[2,1,2],\"jprune_layer_intermediate\":[96,40,72]}"));
        assertEquals(40, c.intermediateSize(1));
        RandomCheckpoint.write(dir.resolve("m"), c, DType.F32, 11, 0);
        try (HfCheckpoint ck = HfCheckpoint.open(dir.resolve("m"))) {
            DecoderModel m = DecoderModel.open(ck);
            for (int count : new int[] {TOKENS.length, 5, TOKENS.length}) {
                float[] reused = m.forward(TOKENS, 0, count, new KvCache(c, count));
                KvCache cache = new KvCache(c, count);
                float[] h = m.embed(TOKENS, 0, count, 0);
                for (int l = 0; l < m.blockCount(); l++) m.forwardBlock(l, h, count, cache, ProjectionTap.NONE);
                assertArrayEquals(m.finalNorm(h, count), reused, count + " tokens");
            }
        }
    }

    @Test
    void parameterCountMatchesTheTensors() {
        for (LmConfig c : new LmConfig[] {gpt2(), llama()}) {
            long n = 0;
            for (TensorLayout.Spec s : TensorLayout.of(c)) n += s.numel();
            assertEquals(n, c.parameterCount(), c.modelType());
        }
        Map<String, Object> tiny = llama().toJson("float32");
        assertEquals(llama(), LmConfig.fromJson(tiny));
    }
}
