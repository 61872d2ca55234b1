package jprune.lm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ByteLevelAlphabetTest {
    @Test
    void isABijectionWithGpt2sChoices() {
        Set<Character> seen = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevelAlphabet.charOf(b);
            assertEquals(b, ByteLevelAlphabet.byteOf(c));
            seen.add(c);
        }
        assertEquals(256, seen.size());
        assertEquals('\u0120', ByteLevelAlphabet.charOf(' '));   // Ġ
        assertEquals('\u010A', ByteLevelAlphabet.charOf('\n'));  // Ċ
        assertEquals('\u0100', ByteLevelAlphabet.charOf(0));
        assertEquals('\u0143', ByteLevelAlphabet.charOf(0xAD));  // the soft hyphen is the last remapped byte
        assertEquals('A', ByteLevelAlphabet.charOf('A'));
        assertEquals('\u00e9', ByteLevelAlphabet.charOf(0xE9));
        assertEquals(-1, ByteLevelAlphabet.byteOf(' '));
        assertEquals(-1, ByteLevelAlphabet.byteOf(0x1F600));
    }

    @Test
    void sortedAlphabetIsTheTrainersOrder() {
        char[] s = ByteLevelAlphabet.sortedAlphabet();
        assertEquals('!', s[0]);
        assertEquals('\u0143', s[255]);
        for (int i = 1; i < 256; i++) assertEquals(true, s[i - 1] < s[i]);
    }

    @Test
    void utf8DecodingReplacesMaximalSubparts() {
        assertEquals("\uFFFD", decode(0xE2, 0x82));               // a truncated 3-byte sequence: one
        assertEquals("\uFFFD\uFFFD", decode(0xF0, 0x80));          // F0 80 is not a prefix: two
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xED, 0xA0, 0x80)); // an encoded surrogate: three
        assertEquals("\uFFFD\uFFFD", decode(0xC0, 0xAF));          // overlong: two
        assertEquals("a\uFFFDb", decode('a', 0xFF, 'b'));
        assertEquals("\u20AC\uFFFD", decode(0xE2, 0x82, 0xAC, 0xE2));
        assertEquals("\uD83D\uDE00", decode(0xF0, 0x9F, 0x98, 0x80));
        assertEquals("\uFFFD", decode(0xF4, 0x90, 0x80, 0x80).substring(0, 1)); // above U+10FFFF
    }

    private static String decode(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
        return Utf8.decode(b, b.length);
    }
}
