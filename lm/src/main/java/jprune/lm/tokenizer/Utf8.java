package jprune.lm.tokenizer;

/**
 * Lenient UTF-8 decoding: each maximal ill-formed subsequence becomes one U+FFFD, the rule of the
 * Unicode standard (§3.9, "substitution of maximal subparts") that Rust's
 * {@code String::from_utf8_lossy} and the WHATWG TextDecoder follow, so decoded text matches
 * Hugging Face's byte for byte even for ids that split a character.
 */
final class Utf8 {
    private Utf8() {}

    static String decode(byte[] b, int len) {
        StringBuilder sb = new StringBuilder(len);
        int i = 0;
        while (i < len) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                sb.append((char) c);
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            int cp;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                cp = c & 0x1F;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                cp = c & 0x0F;
                if (c == 0xE0) lo = 0xA0;
                if (c == 0xED) hi = 0x9F;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                cp = c & 0x07;
                if (c == 0xF0) lo = 0x90;
                if (c == 0xF4) hi = 0x8F;
            } else {
                sb.append('\uFFFD');
                i++;
                continue;
            }
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= len) {
                    ok = false;
                    break;
                }
                int d = b[j] & 0xFF;
                if (d < lo || d > hi) {
                    ok = false;
                    break;
                }
                lo = 0x80;
                hi = 0xBF;
                cp = (cp << 6) | (d & 0x3F);
            }
            if (ok) sb.appendCodePoint(cp);
            else sb.append('\uFFFD');
            i = j;
        }
        return sb.toString();
    }
}
