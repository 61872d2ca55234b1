package jprune.deploy.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompressedFileTest {
    static Path sample(Path dir) throws Exception {
        LinkedHashMap<String, byte[]> blobs = new LinkedHashMap<>();
        blobs.put("a", new byte[] {1, 2, 3});
        blobs.put("empty", new byte[0]);
        blobs.put("b", "hello blob".getBytes());
        Path f = dir.resolve("m.jpz");
        long n = CompressedFile.write(f, Map.of("model", "x", "n", 3L), blobs);
        assertEquals(Files.size(f), n);
        return f;
    }

    @Test
    void roundTripIsExact(@TempDir Path dir) throws Exception {
        CompressedFile.Contents c = CompressedFile.read(sample(dir));
        assertEquals("x", c.manifest().get("model"));
        assertEquals(3L, c.manifest().get("n"));
        assertEquals(java.util.List.of("a", "empty", "b"), java.util.List.copyOf(c.blobs().keySet()));
        assertArrayEquals(new byte[] {1, 2, 3}, c.blobs().get("a"));
        assertArrayEquals("hello blob".getBytes(), c.blobs().get("b"));
    }

    @Test
    void everyTruncationIsRejected(@TempDir Path dir) throws Exception {
        byte[] whole = Files.readAllBytes(sample(dir));
        Path cut = dir.resolve("cut.jpz");
        for (int len = 0; len < whole.length; len++) {
            Files.write(cut, java.util.Arrays.copyOf(whole, len));
            assertThrows(CompressedFormatException.class, () -> CompressedFile.read(cut), "truncated to " + len);
        }
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length + 1));
        var e = assertThrows(CompressedFormatException.class, () -> CompressedFile.read(cut));
        assertTrue(e.getMessage().contains("after the last blob"), e.getMessage());
    }

    @Test
    void everyFlippedByteIsRejected(@TempDir Path dir) throws Exception {
        byte[] whole = Files.readAllBytes(sample(dir));
        Path bad = dir.resolve("bad.jpz");
        for (int i = 0; i < whole.length; i++) {
            if (i == 10 || i == 11) continue;   // the minor version may change freely
            byte[] b = whole.clone();
            b[i] ^= 0x41;
            Files.write(bad, b);
            assertThrows(CompressedFormatException.class, () -> CompressedFile.read(bad), "flipped byte " + i);
        }
    }

    @Test
    void foreignFilesAndNewerVersionsAreNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.safetensors");
        Files.write(f, new byte[64]);
        assertTrue(assertThrows(CompressedFormatException.class, () -> CompressedFile.read(f)).getMessage().contains("magic"));
        byte[] b = Files.readAllBytes(sample(dir));
        b[8] = 2;
        Files.write(f, b);
        assertTrue(assertThrows(CompressedFormatException.class, () -> CompressedFile.read(f)).getMessage().contains("version 2.0"));
    }
}
