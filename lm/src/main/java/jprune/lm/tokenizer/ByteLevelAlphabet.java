package jprune.lm.tokenizer;

/**
 * GPT-2's reversible map between the 256 byte values and 256 printable code points, which lets a
 * byte-level vocabulary store every token as a readable string. Bytes that are printable in
 * Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68 (controls, space,
 * DEL, the C1 range, NBSP and the soft hyphen) take U+0100, U+0101, ... in increasing byte order.
 */
public final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final short[] CHAR_TO_BYTE = new short[0x144];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevelAlphabet() {}

    /** The code point that stands for byte {@code b} (0..255). */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte that code point {@code c} stands for, or -1 if {@code c} is not in the alphabet. */
    public static int byteOf(int c) {
        return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** Maps UTF-8 bytes to their alphabet string (one char per byte). */
    public static String encode(byte[] bytes, int from, int to) {
        char[] out = new char[to - from];
        for (int i = from; i < to; i++) out[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /**
     * The 256 alphabet characters sorted by code point: the order in which Hugging Face's BPE
     * trainer gives them ids (after the special tokens).
     */
    public static char[] sortedAlphabet() {
        char[] a = BYTE_TO_CHAR.clone();
        java.util.Arrays.sort(a);
        return a;
    }
}
