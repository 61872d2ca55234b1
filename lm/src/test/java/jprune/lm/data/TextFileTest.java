package jprune.lm.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jprune.nn.data.DataFormatException;
import jprune.nn.data.DataNotFoundException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextFileTest {
    @TempDir
    Path dir;

    Path write(String name, byte[]... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.write(p);
        Path f = dir.resolve(name);
        Files.write(f, out.toByteArray());
        return f;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    @Test
    void readsUtf8AsIs() throws IOException {
        String text = "Zoë’s café — 10 €, 𝄞 clef\r\nsecond line\n\tthird  line \n";
        assertEquals(text, TextFile.read(write("a.txt", utf8(text))), "line ends, tabs and spaces are kept");
    }

    @Test
    void dropsALeadingByteOrderMarkOnly() throws IOException {
        assertEquals("hello \uFEFF there", TextFile.read(write("bom.txt", bytes(0xEF, 0xBB, 0xBF), utf8("hello \uFEFF there"))));
        assertEquals("", TextFile.read(write("onlybom.txt", bytes(0xEF, 0xBB, 0xBF))));
        assertEquals("", TextFile.read(write("empty.txt")));
    }

    @Test
    void aTruncatedSequenceAtTheEndNamesTheFileAndOffset() throws IOException {
        Path f = write("cut.txt", utf8("abc"), bytes(0xE2, 0x82)); // € is E2 82 AC
        DataFormatException e = assertThrows(DataFormatException.class, () -> TextFile.read(f));
        assertEquals(f + ": not valid UTF-8 at byte offset 3 (0xE2 0x82); the file ends inside a multi-byte character", e.getMessage());
    }

    @Test
    void invalidBytesInsideTheFileNameTheirOffset() throws IOException {
        Path latin1 = write("latin1.txt", utf8("naïve "), bytes(0x63, 0x61, 0x66, 0xE9, 0x20, 0x6F, 0x6B)); // "café ok" in Latin-1
        DataFormatException e = assertThrows(DataFormatException.class, () -> TextFile.read(latin1));
        assertTrue(e.getMessage().startsWith(latin1 + ": not valid UTF-8 at byte offset 10 (0xE9"), e.getMessage());
        assertFalse(e.getMessage().contains("ends inside"), e.getMessage());
        for (byte[] bad : new byte[][] {bytes(0xFF), bytes(0xC0, 0xAF), bytes(0xED, 0xA0, 0x80), bytes(0x80), bytes(0xF4, 0x90, 0x80, 0x80)}) {
            Path f = write("bad.txt", utf8("ok"), bad, utf8("ok"));
            DataFormatException b = assertThrows(DataFormatException.class, () -> TextFile.read(f), () -> "accepted " + java.util.Arrays.toString(bad));
            assertTrue(b.getMessage().contains("at byte offset 2 "), b.getMessage());
            assertFalse(b.getMessage().contains("\n"));
        }
    }

    @Test
    void aMissingFileOrADirectoryIsNotFound() {
        Path missing = dir.resolve("no-such.txt");
        DataNotFoundException e = assertThrows(DataNotFoundException.class, () -> TextFile.read(missing));
        assertEquals("text file " + missing + " not found", e.getMessage());
        DataNotFoundException d = assertThrows(DataNotFoundException.class, () -> TextFile.read(dir));
        assertEquals("text file " + dir + " is a directory, not a file", d.getMessage());
    }

    @Test
    void aDeviceIsRefusedBecauseItsSizeIsUnknown() {
        Path device = Path.of("/dev/null");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(device) && !Files.isRegularFile(device), "no /dev/null here");
        assertEquals("text file /dev/null is not a regular file", assertThrows(DataFormatException.class, () -> TextFile.read(device)).getMessage());
    }

    @Test
    void theSizeLimitIsCheckedBeforeReading() throws IOException {
        Path f = write("big.txt", utf8("0123456789A"));
        assertEquals("0123456789A", TextFile.read(f, 11));
        DataFormatException e = assertThrows(DataFormatException.class, () -> TextFile.read(f, 10));
        assertEquals("text file " + f + " is 11 bytes, more than the limit of 10 bytes", e.getMessage());
        // Invalid UTF-8 beyond the limit is never decoded: the size error comes first.
        Path bad = write("bigbad.txt", bytes(0xFF, 0xFF, 0xFF));
        assertTrue(assertThrows(DataFormatException.class, () -> TextFile.read(bad, 2)).getMessage().contains("more than the limit"));
        assertThrows(IllegalArgumentException.class, () -> TextFile.read(f, -1));
        assertThrows(IllegalArgumentException.class, () -> TextFile.read(f, Integer.MAX_VALUE));
    }
}
