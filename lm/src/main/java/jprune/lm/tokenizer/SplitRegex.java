package jprune.lm.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles a pre-tokenizer pattern written for Oniguruma (what Hugging Face's {@code tokenizers}
 * uses) into a {@link Pattern} with the same meaning for the constructs tokenizer files use.
 *
 * <p>Both engines backtrack and try alternatives left to right, so alternation, greedy
 * quantifiers and look-ahead agree. Differences are in the classes, handled here:
 * <ul>
 *   <li>{@code \s} is Unicode White_Space in Oniguruma (U+0009–U+000D, U+0020, U+0085, U+00A0,
 *       U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000; not U+FEFF, not U+180E)
 *       and ASCII in Java unless {@link Pattern#UNICODE_CHARACTER_CLASS}, which gives exactly
 *       that set; the flag also makes {@code \d} = \p{Nd}, {@code \w} Unicode, and {@code (?i)}
 *       use Unicode case folding as Oniguruma does (so {@code (?i:'s)} also matches "'ſ").</li>
 *   <li>{@code \h}/{@code \H} are hex digits in Oniguruma but horizontal space in Java: rewritten.</li>
 *   <li>POSIX brackets ({@code [[:alpha:]]}) mean something else to Java: rejected.</li>
 * </ul>
 * Matching runs over code points in both, so supplementary characters are one character.
 */
final class SplitRegex {
    private SplitRegex() {}

    static Pattern compile(String oniguruma) {
        StringBuilder sb = new StringBuilder(oniguruma.length() + 16);
        for (int i = 0; i < oniguruma.length(); i++) {
            char c = oniguruma.charAt(i);
            if (c == '\\' && i + 1 < oniguruma.length()) {
                char e = oniguruma.charAt(++i);
                switch (e) {
                    case 'h' -> sb.append("[0-9A-Fa-f]");
                    case 'H' -> sb.append("[^0-9A-Fa-f]");
                    default -> sb.append(c).append(e);
                }
            } else if (c == '[' && oniguruma.startsWith("[:", i)) {
                throw new TokenizerFormatException("pre_tokenizer Split pattern " + BpeModel.quote(oniguruma)
                        + ": POSIX bracket classes ([:name:]) are not supported; use \\p{..} classes");
            } else {
                sb.append(c);
            }
        }
        try {
            return Pattern.compile(sb.toString(), Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new TokenizerFormatException("pre_tokenizer Split pattern " + BpeModel.quote(oniguruma)
                    + " is not a regular expression this loader understands: " + e.getDescription(), e);
        }
    }
}
