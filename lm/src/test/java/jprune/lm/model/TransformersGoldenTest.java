package jprune.lm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.hf.MappedTensor;
import jprune.lm.hf.SafetensorsFile;
import jprune.lm.tokenizer.Gpt2FilesReader;
import jprune.lm.tokenizer.TokenizerJsonReader;
import jprune.lm.tokenizer.Tokenizers;
import jprune.nn.io.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checkpoints written by Hugging Face transformers itself (bin/peers/hf_gpt2.py golden: GPT-2 by save_pretrained in
 * F32, in BF16 shards and in the hub's older layout; Llama with grouped-query attention, Llama with Llama-3 rope
 * scaling in BF16, and Qwen2 by save_pretrained, whose config.json has transformers 5's rope_parameters), with
 * transformers' own token ids for a text
 * and its logits, computed in float64 from the weights it reads back. Where {@link GoldenForwardTest} checks the
 * forward against a reference written from the architectures' definitions, this checks the files and numbers of
 * the library that defines the conventions.
 */
class TransformersGoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/hf-transformers-golden");

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-save-pretrained-f32", "gpt2-bf16-sharded", "gpt2-hub-names-f32", "llama-gqa-untied-f32",
            "llama3-rope-tied-bf16", "qwen2-bias-tied-f32"})
    void tokenIdsAndLogitsAreTransformers(String name) throws Exception {
        Path c = GOLDEN.resolve(name), model = c.resolve("model");
        String text = Files.readString(c.resolve("text.txt"));
        int[] ids = ((List<?>) Json.parse(Files.readString(c.resolve("ids.json")))).stream().mapToInt(o -> ((Long) o).intValue()).toArray();

        // tokenizer.json (what Tokenizers.load prefers) and the vocab.json + merges.txt pair give transformers' ids
        assertArrayEquals(ids, Tokenizers.load(model).encode(text, false), name + ": tokenizer.json");
        assertArrayEquals(ids, TokenizerJsonReader.read(model.resolve("tokenizer.json")).encode(text, false), name + ": tokenizer.json");
        assertArrayEquals(ids, Gpt2FilesReader.read(model.resolve("vocab.json"), model.resolve("merges.txt")).encode(text, false),
                name + ": vocab.json + merges.txt");
        assertEquals(text, Tokenizers.load(model).decode(ids), name + ": decode");

        try (Arena arena = Arena.ofConfined(); HfCheckpoint ck = HfCheckpoint.open(model)) {
            MappedTensor golden = SafetensorsFile.open(c.resolve("logits.safetensors"), arena).tensors().get("logits");
            DecoderModel m = DecoderModel.open(ck);
            int v = m.config().vocabSize(), n = (int) golden.shape()[0];
            assertArrayEquals(new long[] {n, v}, golden.shape());
            float[] full = new float[n * v];
            m.logits(m.forward(ids, 0, n, new KvCache(m.config(), n)), n, full);
            GoldenForwardTest.assertClose(golden.toFloats(), full, name + " full forward");
            KvCache cache = new KvCache(m.config(), n);
            float[] stepped = new float[n * v], one = new float[v];
            for (int t = 0; t < n; t++) {
                m.logits(m.forward(ids, t, 1, cache), 1, one);
                System.arraycopy(one, 0, stepped, t * v, v);
            }
            GoldenForwardTest.assertClose(golden.toFloats(), stepped, name + " decoding");
        }
    }
}
