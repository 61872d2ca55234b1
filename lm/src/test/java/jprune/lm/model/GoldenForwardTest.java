package jprune.lm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.hf.MappedTensor;
import jprune.lm.hf.SafetensorsFile;
import jprune.nn.io.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our forward against an independent one: bin/peers/lm_reference.py computes every case's logits in
 * float64 with PyTorch from the architectures' definitions (docs/lm-architectures.md). Error is
 * |ours − theirs| / max(1, |theirs|), which stays meaningful for logits near zero.
 */
class GoldenForwardTest {
    static final Path GOLDEN = Path.of("src/test/resources/lm-golden");
    static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tied-f32", "gpt2-hub-legacy-f32", "gpt2-f16", "llama-gqa-untied-bf16-sharded",
            "llama3-rope-tied-f32", "llama-headdim-bias-f32", "qwen2-bias-tied-bf16"})
    void logitsMatchTheReference(String name) throws Exception {
        Path c = GOLDEN.resolve(name);
        int[] ids = ((List<?>) Json.parse(Files.readString(c.resolve("ids.json")))).stream().mapToInt(o -> ((Long) o).intValue()).toArray();
        try (Arena arena = Arena.ofConfined(); HfCheckpoint ck = HfCheckpoint.open(c.resolve("model"))) {
            MappedTensor golden = SafetensorsFile.open(c.resolve("logits.safetensors"), arena).tensors().get("logits");
            float[] expected = golden.toFloats();
            DecoderModel m = DecoderModel.open(ck);
            int v = m.config().vocabSize(), n = ids.length;
            assertArrayEquals(new long[] {n, v}, golden.shape());
            float[] full = new float[n * v];
            m.logits(m.forward(ids, 0, n, new KvCache(m.config(), n)), n, full);
            assertClose(expected, full, name + " full forward");
            // decoding one token at a time through the cache gives the same logits
            KvCache cache = new KvCache(m.config(), n);
            float[] stepped = new float[n * v], one = new float[v];
            for (int t = 0; t < n; t++) {
                m.logits(m.forward(ids, t, 1, cache), 1, one);
                System.arraycopy(one, 0, stepped, t * v, v);
            }
            assertClose(expected, stepped, name + " decoding");
        }
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double e = Math.abs(actual[i] - (double) expected[i]) / Math.max(1, Math.abs(expected[i]));
            if (e > worst) {
                worst = e;
                at = i;
            }
        }
        assertTrue(worst <= TOLERANCE, what + ": error " + worst + " at " + at + " (ours " + (at < 0 ? 0 : actual[at]) + ", reference " + (at < 0 ? 0 : expected[at]) + ")");
    }
}
