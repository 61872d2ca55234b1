package jprune.nn.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    static LinkedHashMap<String, Tensor> sample() {
        LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
        t.put("fc1.weight", Tensor.randn(new Rng(1), 1f, 3, 4));
        t.put("fc1.bias", Tensor.of(new float[] {Float.MIN_VALUE, -0f, Float.MAX_VALUE}, 3));
        t.put("scalar", Tensor.scalar(7f));
        t.put("empty", Tensor.zeros(0, 5));
        return t;
    }

    /** Builds a file from a raw header and data section. */
    Path raw(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path p = dir.resolve("x.safetensors");
        Files.write(p, b.array());
        return p;
    }

    @Test
    void roundTripIsBitExactWithMetadataAndOrder() throws IOException {
        Path p = dir.resolve("m.safetensors");
        Safetensors.write(p, sample(), Map.of("model_config", "{\"name\":\"x\"}"));
        Checkpoint c = Safetensors.read(p);
        assertEquals(List.copyOf(sample().keySet()), List.copyOf(c.tensors().keySet()));
        sample().forEach((k, t) -> {
            assertArrayEquals(t.shape(), c.tensors().get(k).shape(), k);
            assertArrayEquals(t.data(), c.tensors().get(k).data(), k);
        });
        assertEquals("{\"name\":\"x\"}", c.metadata().get("model_config"));
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "header padded to 8 bytes");
        assertEquals(8 + headerLen + 4 * (12 + 3 + 1), Files.size(p));
    }

    @Test
    void readsOtherFloatDtypes() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(2 + 2 + 8).order(ByteOrder.LITTLE_ENDIAN);
        d.putShort(Float.floatToFloat16(1.5f)).putShort((short) (Float.floatToIntBits(-2f) >>> 16)).putDouble(0.25);
        Path p = raw("{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[2,4]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[4,12]}}", d.array());
        Checkpoint c = Safetensors.read(p);
        assertEquals(1.5f, c.tensors().get("h").item());
        assertEquals(-2f, c.tensors().get("b").item());
        assertEquals(0.25f, c.tensors().get("d").item());
    }

    void assertRejected(Path p, String expected) {
        var e = assertThrows(CheckpointFormatException.class, () -> Safetensors.read(p));
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should mention '" + expected + "'");
        assertTrue(e.getMessage().contains(p.getFileName().toString()), "message names the file: " + e.getMessage());
    }

    @Test
    void rejectsMalformedFiles() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[5]);
        assertRejected(p, "too short");
        Files.write(p, new byte[0]);
        assertRejected(p, "too short");
        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 62).putLong(0);
        Files.write(p, huge.array());
        assertRejected(p, "does not fit");
        assertRejected(raw("{\"a\":", new byte[0]), "not valid JSON");
        assertRejected(raw("[1,2]", new byte[0]), "not valid JSON");
        assertRejected(raw("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "dtype");
        assertRejected(raw("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]), "shape");
        assertRejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "data_offsets");
        assertRejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]), "invalid dimension");
        assertRejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[4]), "outside");
        assertRejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]), "declares 2 elements");
        assertRejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", new byte[8]), "overlap");
        assertRejected(raw("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]), "supported: F32");
        assertRejected(raw("{\"__metadata__\":{\"k\":1}}", new byte[0]), "must be a string");
        assertRejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[100000,100000],\"data_offsets\":[0,4]}}", new byte[4]), "2^31-1");
    }

    @Test
    void truncatedFileIsRejectedBeforeAllocating() throws IOException {
        Path p = dir.resolve("t.safetensors");
        Safetensors.write(p, sample(), Map.of());
        byte[] all = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(all, all.length - 10));
        assertRejected(p, "outside");
    }

    @Test
    void failedWriteLeavesTheOldFileAndNoTemporaries() throws IOException {
        Path p = dir.resolve("keep.safetensors");
        Safetensors.write(p, sample(), Map.of());
        byte[] before = Files.readAllBytes(p);
        Map<String, Tensor> poisoned = new LinkedHashMap<>(sample()) {
            @Override
            public java.util.Set<Map.Entry<String, Tensor>> entrySet() {
                throw new IllegalStateException("boom");
            }
        };
        assertThrows(IllegalStateException.class, () -> Safetensors.write(p, poisoned, Map.of()));
        assertArrayEquals(before, Files.readAllBytes(p));
        AtomicFiles.StreamWriter failing = out -> {
            out.write(new byte[100]);
            throw new IOException("disk full");
        };
        assertThrows(IOException.class, () -> AtomicFiles.write(p, failing));
        assertArrayEquals(before, Files.readAllBytes(p));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("keep.safetensors"), files.map(f -> f.getFileName().toString()).toList());
        }
    }

    @Test
    void readsTheGoldenFileWrittenByPython() throws IOException {
        // tiny.safetensors was written by src/test/resources/golden/make_safetensors_golden.py (numpy + struct + json).
        Path p = Path.of("src/test/resources/golden/tiny.safetensors");
        Checkpoint c = Safetensors.read(p);
        assertArrayEquals(new int[] {2, 3}, c.tensors().get("w").shape());
        assertArrayEquals(new float[] {0f, 0.5f, -1f, 1.5f, 2f, -2.5f}, c.tensors().get("w").data());
        assertArrayEquals(new float[] {1f, 2f, 3f}, c.tensors().get("b").data());
        assertEquals("golden", c.metadata().get("source"));
    }
}
