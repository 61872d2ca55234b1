package jprune.lm.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import jprune.lm.model.DecoderModel;
import jprune.nn.io.CheckpointFormatException;
import jprune.nn.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading and writing the Hugging Face layout, and every kind of bad input failing with one line. */
class HfCheckpointTest {
    static final Path SHARDED = Path.of("src/test/resources/lm-golden/llama-gqa-untied-bf16-sharded/model");
    static final Path SINGLE = Path.of("src/test/resources/lm-golden/gpt2-tied-f32/model");
    @TempDir Path tmp;
    private int copies;

    private Path copyOf(Path src) throws IOException {
        Path dst = tmp.resolve("copy-" + src.getParent().getFileName() + "-" + copies++);
        Files.createDirectories(dst);
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) Files.copy(f, dst.resolve(f.getFileName()));
        }
        return dst;
    }

    @Test
    void rewriteKeepsNamesDtypesShardsAndBytes() throws Exception {
        Path out = tmp.resolve("out");
        try (HfCheckpoint src = HfCheckpoint.open(SHARDED)) {
            HfCheckpointWriter.rewrite(src, out, Map.of());
            try (HfCheckpoint back = HfCheckpoint.open(out)) {
                assertTrue(back.sharded());
                assertEquals(src.shardOf(), back.shardOf());
                assertEquals(src.config(), back.config());
                for (MappedTensor t : src.tensors().values()) {
                    MappedTensor u = back.tensor(t.name());
                    assertEquals(t.storedDtype(), u.storedDtype());
                    assertArrayEquals(t.shape(), u.shape());
                    assertEquals(-1, t.data().mismatch(u.data()), t.name());
                }
            }
        }
        Map<String, Object> index = Json.parseObject(Files.readString(out.resolve(HfCheckpoint.INDEX)));
        assertTrue(((Map<?, ?>) index.get("metadata")).get("total_size") instanceof Long);
    }

    @Test
    void replacementsChangeOnlyTheirTensors() throws Exception {
        Path out = tmp.resolve("out");
        try (HfCheckpoint src = HfCheckpoint.open(SINGLE)) {
            MappedTensor w = src.tensor("transformer.h.0.mlp.c_fc.weight");
            HfCheckpointWriter.rewrite(src, out, Map.of(w.name(), dst -> dst.fill((byte) 0)));
            try (HfCheckpoint back = HfCheckpoint.open(out)) {
                assertFalse(back.sharded());
                for (float v : back.tensor(w.name()).toFloats()) assertEquals(0f, v);
                assertEquals(-1, src.tensor("transformer.wte.weight").data().mismatch(back.tensor("transformer.wte.weight").data()));
            }
        }
    }

    @Test
    void aFailedWriteLeavesTheOldDirectoryAndNoDebris() throws Exception {
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "old");
        Files.writeString(out.resolve(HfCheckpoint.CONFIG), "{}");
        try (HfCheckpoint src = HfCheckpoint.open(SINGLE)) {
            IOException e = assertThrows(IOException.class, () -> HfCheckpointWriter.rewrite(src, out, Map.of("transformer.wte.weight", dst -> {
                throw new IOException("disk full");
            })));
            assertEquals("disk full", e.getMessage());
        }
        assertEquals("old", Files.readString(out.resolve("keep.txt")));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(out), files.toList());
        }
    }

    @Test
    void onlyAnEmptyDirectoryOrACheckpointIsReplaced() throws Exception {
        Path notes = Files.createDirectories(tmp.resolve("notes"));
        Files.writeString(notes.resolve("mine.txt"), "mine");
        try (HfCheckpoint src = HfCheckpoint.open(SINGLE)) {
            IOException e = assertThrows(IOException.class, () -> HfCheckpointWriter.rewrite(src, notes, Map.of()));
            assertTrue(e.getMessage().contains("not a checkpoint"), e.getMessage());
            assertEquals("mine", Files.readString(notes.resolve("mine.txt")));
            e = assertThrows(IOException.class, () -> HfCheckpointWriter.rewrite(src, Path.of(""), Map.of()));
            assertTrue(e.getMessage().contains("current directory"), e.getMessage());
            e = assertThrows(IOException.class, () -> HfCheckpointWriter.rewrite(src, Path.of("").toAbsolutePath().getParent(), Map.of()));
            assertTrue(e.getMessage().contains("current directory"), e.getMessage());

            Path empty = Files.createDirectories(tmp.resolve("empty"));
            HfCheckpointWriter.rewrite(src, empty, Map.of());
            Files.writeString(empty.resolve("metrics.json"), "{}");
            HfCheckpointWriter.rewrite(src, empty, Map.of());   // a checkpoint: replaced whole
            assertFalse(Files.exists(empty.resolve("metrics.json")));
            assertTrue(Files.isRegularFile(empty.resolve(HfCheckpoint.SINGLE)));
        }
    }

    @Test
    void truncatedShard() throws Exception {
        Path dir = copyOf(SHARDED);
        Path shard = dir.resolve("model-00002-of-00002.safetensors");
        try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 10);
        }
        String msg = assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.open(dir)).getMessage();
        assertTrue(msg.contains("model-00002-of-00002.safetensors") && msg.contains("truncated"), msg);
    }

    @Test
    void truncatedHeader() throws Exception {
        Path dir = copyOf(SINGLE);
        try (FileChannel ch = FileChannel.open(dir.resolve("model.safetensors"), StandardOpenOption.WRITE)) {
            ch.truncate(100);
        }
        String msg = assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.open(dir)).getMessage();
        assertTrue(msg.contains("truncated"), msg);
    }

    @Test
    void indexNamingAMissingShardOrTensor() throws Exception {
        Path dir = copyOf(SHARDED);
        Files.delete(dir.resolve("model-00001-of-00002.safetensors"));
        String msg = assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.open(dir)).getMessage();
        assertTrue(msg.contains("model-00001-of-00002.safetensors") && msg.contains("missing"), msg);

        Path dir2 = copyOf(SHARDED);
        Path index = dir2.resolve(HfCheckpoint.INDEX);
        String text = Files.readString(index).replace("\"weight_map\": {", "\"weight_map\": {\n    \"model.extra.weight\": \"model-00001-of-00002.safetensors\",");
        Files.writeString(index, text);
        msg = assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.open(dir2)).getMessage();
        assertTrue(msg.contains("model.extra.weight") && msg.contains("does not hold it"), msg);
    }

    @Test
    void shapeNotMatchingTheConfig() throws Exception {
        Path dir = copyOf(SINGLE);
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"n_positions\": 64", "\"n_positions\": 65"));
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            String msg = assertThrows(CheckpointFormatException.class, () -> DecoderModel.open(ck)).getMessage();
            assertTrue(msg.contains("wpe.weight") && msg.contains("[64, 48]") && msg.contains("[65, 48]"), msg);
        }
    }

    @Test
    void unsupportedDtypeAndUnknownModelTypeAndMissingField() throws Exception {
        Path dir = tmp.resolve("i64");
        HfCheckpointWriter.write(dir, Map.of("model_type", "gpt2"), List.of(new HfCheckpointWriter.Entry("x", "I64", new long[] {2}, d -> {})), null, null);
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            String msg = assertThrows(IllegalStateException.class, () -> ck.tensor("x").toFloats()).getMessage();
            assertTrue(msg.contains("I64") && msg.contains("BF16"), msg);
        }
        for (String[] c : new String[][] {{"{\"model_type\":\"bert\"}", "model_type 'bert' is not supported; supported: gpt2, llama, mistral, qwen2"},
                {"{\"model_type\":\"llama\",\"hidden_size\":8}", "config.json has no num_attention_heads"},
                {"{\"n_embd\":8}", "config.json has no model_type"}}) {
            Path d = tmp.resolve("c" + c[0].hashCode());
            HfCheckpointWriter.write(d, Json.parseObject(c[0]), List.of(), null, null);
            try (HfCheckpoint ck = HfCheckpoint.open(d)) {
                String msg = assertThrows(CheckpointFormatException.class, () -> DecoderModel.open(ck)).getMessage();
                assertTrue(msg.contains(c[1]), msg);
            }
        }
    }

    @Test
    void notADirectoryOrNoWeights() throws Exception {
        assertThrows(java.nio.file.NoSuchFileException.class, () -> HfCheckpoint.open(tmp.resolve("absent")));
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\":\"gpt2\"}", StandardCharsets.UTF_8);
        String msg = assertThrows(java.nio.file.NoSuchFileException.class, () -> HfCheckpoint.open(tmp)).getMessage();
        assertTrue(msg.contains("model.safetensors"), msg);
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\":", StandardCharsets.UTF_8);
        assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.open(tmp));
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, DType.toBfloat16(1f));
        assertEquals((short) 0x3F80, DType.toBfloat16(Float.intBitsToFloat(0x3F808000)));  // tie → even (down)
        assertEquals((short) 0x3F82, DType.toBfloat16(Float.intBitsToFloat(0x3F818000)));  // tie → even (up)
        assertEquals((short) 0x3F81, DType.toBfloat16(Float.intBitsToFloat(0x3F808001)));
        assertTrue(Float.isNaN(Float.intBitsToFloat(DType.toBfloat16(Float.NaN) << 16)));
    }
}
