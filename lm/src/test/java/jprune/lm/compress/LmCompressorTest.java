package jprune.lm.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import jprune.deploy.format.WeightFormats;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.hf.HfCheckpointWriter;
import jprune.lm.hf.PackedWeights;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.KvCache;
import jprune.lm.model.Projection;
import jprune.lm.prune.MagnitudePruner;
import jprune.lm.prune.SparsityPattern;
import jprune.nn.io.CheckpointFormatException;
import jprune.nn.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compressed language model runs what it was compressed from: every format's arrays come back
 * from the file bit for bit (as the in-memory encoding holds them), fp32 formats give the pruned
 * model's logits up to summation order for a prompt (batched products) and a decoded token
 * (matrix-vector products), int8 ones stay close, and damaged files fail naming the weight.
 */
class LmCompressorTest {
    @TempDir Path tmp;

    static final List<String> MODELS = List.of("gpt2-tied-f32", "llama-gqa-untied-bf16-sharded", "qwen2-bias-tied-bf16");
    static final List<String> FORMATS = List.of("2:4", "csr", "bitmask", "dense", "block2x2");

    @Test
    void everyFormatRoundTripsAndRunsThePrunedModel() throws Exception {
        for (String name : MODELS) {
            Path pruned = pruned24(name);
            try (HfCheckpoint ck = HfCheckpoint.open(pruned)) {
                DecoderModel reference = DecoderModel.open(ck);
                float[][] expected = logits(reference);
                for (String format : FORMATS) {
                    for (boolean int8 : new boolean[] {false, true}) {
                        String what = name + " " + format + (int8 ? " int8" : "");
                        Path out = tmp.resolve(name + "-" + format.replace(':', '-') + (int8 ? "-int8" : ""));
                        LmCompressor.compress(ck, reference, new LmCompressor.Settings(format, int8, true, null, 5), out, null);
                        try (HfCheckpoint c = HfCheckpoint.open(out)) {
                            DecoderModel compressed = DecoderModel.open(c);
                            for (int i = 0; i < reference.blockProjections().size(); i++) {
                                Projection p = reference.blockProjections().get(i), q = compressed.blockProjections().get(i);
                                float[] w = p.toOutIn();
                                float[] stored = WeightFormats.encode(format, w, p.out(), p.in(), int8).toDense();
                                float[] read = q.toOutIn();
                                for (int k = 0; k < w.length; k++)
                                    assertEquals(Float.floatToIntBits(stored[k]), Float.floatToIntBits(read[k]) , what + " " + p.name() + " weight " + k);
                                if (format.equals("dense") && !int8) assertNull(q.packedWeights(), what + ": dense fp32 stays the original tensor");
                                else assertNotNull(q.packedWeights(), what);
                            }
                            assertNotNull(compressed.head().packedWeights(), what + ": int8 head");
                            assertEquals("dense-int8", compressed.head().packedWeights().format());
                            float[][] got = logits(compressed);
                            double tolerance = 0.05;
                            if (!int8) {
                                // the fp32 formats alone (the head as it was): equal up to the order of sums
                                Path fp32 = tmp.resolve(out.getFileName() + "-head");
                                LmCompressor.compress(ck, reference, new LmCompressor.Settings(format, false, false, null, 5), fp32, null);
                                try (HfCheckpoint h = HfCheckpoint.open(fp32)) {
                                    float[][] exact = logits(DecoderModel.open(h));
                                    for (int r = 0; r < exact.length; r++) {
                                        double err = relativeError(expected[r], exact[r]);
                                        assertTrue(err < 1e-5, what + ": fp32 logits row " + r + " relative error " + err);
                                    }
                                }
                            }
                            for (int r = 0; r < got.length; r++) {
                                double err = relativeError(expected[r], got[r]);
                                assertTrue(err < tolerance, what + ": logits row " + r + " relative error " + err);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void autoChoosesPerLayerAndTheHeadCanStayDense() throws Exception {
        Path pruned = pruned24("gpt2-tied-f32");
        try (HfCheckpoint ck = HfCheckpoint.open(pruned)) {
            DecoderModel reference = DecoderModel.open(ck);
            Path out = tmp.resolve("auto");
            List<LmCompressor.Layer> layers = LmCompressor.compress(ck, reference,
                    new LmCompressor.Settings("auto", false, false, java.util.regex.Pattern.compile("mlp"), 2), out, null);
            assertEquals(4, layers.size(), "two blocks' c_fc and c_proj");
            for (LmCompressor.Layer l : layers) assertTrue(l.name().contains("mlp"), l.name());
            try (HfCheckpoint c = HfCheckpoint.open(out)) {
                DecoderModel compressed = DecoderModel.open(c);
                assertNull(compressed.head().packedWeights());
                for (Projection p : compressed.blockProjections())
                    if (p.name().contains("attn")) assertNull(p.packedWeights(), p.name() + " was not selected");
                float[][] expected = logits(reference), got = logits(compressed);
                for (int r = 0; r < got.length; r++) assertTrue(relativeError(expected[r], got[r]) < 1e-4);
            }
        }
    }

    @Test
    void wrongFormatsAndDamagedFilesFailNamingTheWeight() throws Exception {
        Path dense = Path.of("src/test/resources/lm-golden/gpt2-tied-f32/model");
        try (HfCheckpoint ck = HfCheckpoint.open(dense)) {
            DecoderModel model = DecoderModel.open(ck);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> LmCompressor.compress(ck, model, new LmCompressor.Settings("2:4", false, false, null, 5), tmp.resolve("x"), null));
            assertTrue(e.getMessage().contains("h.0.attn.c_attn") && e.getMessage().contains("2:4"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new LmCompressor.Settings("zip", false, false, null, 5));
            assertThrows(IllegalArgumentException.class, () -> new LmCompressor.Settings("sell-int8", false, false, null, 5));
            var none = assertThrows(IllegalArgumentException.class, () -> LmCompressor.compress(ck, model,
                    new LmCompressor.Settings("csr", false, false, java.util.regex.Pattern.compile("nothing"), 5), tmp.resolve("y"), null));
            assertTrue(none.getMessage().contains("matches no projection"), none.getMessage());
        }
        Path good = tmp.resolve("good");
        try (HfCheckpoint ck = HfCheckpoint.open(pruned24("gpt2-tied-f32"))) {
            LmCompressor.compress(ck, DecoderModel.open(ck), new LmCompressor.Settings("2:4", true, false, null, 5), good, null);
            var again = assertThrows(IllegalArgumentException.class, () -> LmCompressor.compress(HfCheckpoint.open(good),
                    DecoderModel.open(HfCheckpoint.open(good)), new LmCompressor.Settings("csr", false, false, null, 5), tmp.resolve("z"), null));
            assertTrue(again.getMessage().contains("already compressed"), again.getMessage());
        }
        String weight = "transformer.h.0.mlp.c_fc.weight";
        // a tensor of a packed weight missing
        assertOpenFails(damaged(good, "missing", (cfg, t) -> t.remove(weight + ".positions")), weight + ".positions' is missing");
        // a position outside its group (2:4 positions are 0..3 in 4 bits; 0xFF puts 15 in both nibbles)
        assertOpenFails(damaged(good, "position", (cfg, t) -> t.put(weight + ".positions", fill(t.get(weight + ".positions"), (byte) 0xFF))),
                "packed weight '" + weight + "'");
        // a listed weight that the model does not have, and an unknown format version
        assertOpenFails(damaged(good, "extra", (cfg, t) -> section(cfg).put("transformer.h.9.mlp.c_fc.weight", Map.of("format", "csr", "shape", List.of(1L, 1L)))),
                "not projections of this model");
        assertOpenFails(damaged(good, "version", (cfg, t) -> ((Map<String, Object>) cfg.get(PackedWeights.CONFIG_KEY)).put("format_version", 2L)),
                "format_version 2");
        assertOpenFails(damaged(good, "shape", (cfg, t) -> ((Map<String, Object>) section(cfg).get(weight)).put("shape", List.of(1L, 1L))),
                "shape");
    }

    private static void assertOpenFails(Path dir, String expected) throws Exception {
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            var e = assertThrows(CheckpointFormatException.class, () -> DecoderModel.open(ck));
            assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> config) {
        return (Map<String, Object>) ((Map<String, Object>) config.get(PackedWeights.CONFIG_KEY)).get("weights");
    }

    private static byte[] fill(byte[] b, byte v) {
        java.util.Arrays.fill(b, v);
        return b;
    }

    /** A copy of dir whose config and tensors (as byte arrays with their dtype and shape kept) edit changes. */
    private Path damaged(Path dir, String name, java.util.function.BiConsumer<Map<String, Object>, Map<String, byte[]>> edit) throws Exception {
        Path out = tmp.resolve("damaged-" + name);
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            Map<String, Object> config = deepCopy(ck.config());
            Map<String, byte[]> bytes = new LinkedHashMap<>();
            Map<String, HfCheckpointWriter.Entry> shapes = new LinkedHashMap<>();
            for (var t : ck.tensors().values()) {
                bytes.put(t.name(), t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                shapes.put(t.name(), HfCheckpointWriter.copy(t));
            }
            edit.accept(config, bytes);
            List<HfCheckpointWriter.Entry> entries = new java.util.ArrayList<>();
            for (var e : bytes.entrySet()) {
                HfCheckpointWriter.Entry s = shapes.get(e.getKey());
                byte[] b = e.getValue();
                entries.add(new HfCheckpointWriter.Entry(e.getKey(), s.dtype(), s.shape(),
                        dst -> java.lang.foreign.MemorySegment.copy(b, 0, dst, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b.length)));
            }
            HfCheckpointWriter.write(out, config, entries, null, null);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(Map<String, Object> m) {
        return (Map<String, Object>) Json.parse(Json.write(m, false));
    }

    /** The golden model with every block projection magnitude-pruned to 2:4 (written in its own dtype). */
    private Path pruned24(String name) throws Exception {
        Path out = tmp.resolve(name + "-pruned");
        if (Files.exists(out)) return out;
        try (HfCheckpoint ck = HfCheckpoint.open(Path.of("src/test/resources/lm-golden", name, "model")); Arena arena = Arena.ofConfined()) {
            DecoderModel dense = DecoderModel.open(ck);
            Map<String, HfCheckpointWriter.Fill> fills = new LinkedHashMap<>();
            for (Projection p : dense.blockProjections()) {
                float[] w = p.toOutIn();
                MagnitudePruner.prune(w, p.out(), p.in(), SparsityPattern.nOfM(2, 4));
                Projection q = p.withWeights(w, arena.allocate(p.weightBytes()));
                fills.put(p.name() + ".weight", dst -> java.lang.foreign.MemorySegment.copy(q.weights(), 0, dst, 0, q.weightBytes()));
            }
            HfCheckpointWriter.rewrite(ck, out, fills);
        }
        return out;
    }

    /** Logits of a 12-token prompt's last position (batched products) and of the next 2 tokens (one at a time). */
    private static float[][] logits(DecoderModel m) {
        int vocab = m.config().vocabSize(), d = m.config().hiddenSize();
        int[] prompt = new SplittableRandom(3).ints(12, 0, vocab).toArray();
        KvCache cache = new KvCache(m.config(), 16);
        float[][] out = new float[3][vocab];
        float[] h = m.forward(prompt, 0, prompt.length, cache);
        m.logits(java.util.Arrays.copyOfRange(h, (prompt.length - 1) * d, prompt.length * d), 1, out[0]);
        for (int s = 1; s < 3; s++) {
            int[] next = {(7 * s + 1) % vocab};
            m.logits(m.forward(next, 0, 1, cache), 1, out[s]);
        }
        return out;
    }

    private static double relativeError(float[] expected, float[] got) {
        double num = 0, den = 0;
        for (int i = 0; i < expected.length; i++) {
            num += (double) (expected[i] - got[i]) * (expected[i] - got[i]);
            den += (double) expected[i] * expected[i];
        }
        return Math.sqrt(num / den);
    }
}
