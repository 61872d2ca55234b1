package jprune.lm.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in raw text and cuts the text around them, as Hugging Face's tokenizers
 * does before pre-tokenization: first the tokens with {@code normalized = false}, then, inside
 * the remaining text once normalized, those with {@code normalized = true} (spelled as
 * normalized). Within a pass, matches are leftmost-longest and do not overlap; a
 * {@code singleWord} match touching a letter, digit or '_' is ignored; {@code lstrip} and
 * {@code rstrip} drop the white space next to the match.
 */
final class AddedVocabulary {
    /** Receives the text pieces (to be pre-tokenized) and the matched tokens, in order. */
    interface Sink {
        void text(String piece);

        void token(AddedToken token);
    }

    private final List<AddedToken> tokens;
    private final Normalization normalization;
    private final Index raw;
    private final Index normalized;

    /** The tokens of one pass by the first char of their spelling, and the set of those first chars. */
    private record Index(Map<Character, List<AddedToken>> byFirst, Map<AddedToken, String> spelling, BitSet first) {
        boolean isEmpty() {
            return byFirst.isEmpty();
        }
    }

    AddedVocabulary(List<AddedToken> tokens) {
        this(tokens, Normalization.none());
    }

    AddedVocabulary(List<AddedToken> tokens, Normalization normalization) {
        this.tokens = List.copyOf(tokens);
        this.normalization = normalization;
        this.raw = index(tokens, false, Normalization.none());
        this.normalized = index(tokens, true, normalization);
    }

    List<AddedToken> tokens() {
        return tokens;
    }

    private static Index index(List<AddedToken> tokens, boolean normalized, Normalization normalization) {
        Map<Character, List<AddedToken>> m = new HashMap<>();
        Map<AddedToken, String> spelling = new HashMap<>();
        for (AddedToken t : tokens) {
            if (t.normalized() != normalized) continue;
            // A normalized token is looked for as it reads after normalization.
            String s = normalization.apply(t.content());
            if (s.isEmpty()) continue;
            spelling.put(t, s);
            m.computeIfAbsent(s.charAt(0), k -> new ArrayList<>()).add(t);
        }
        // Longest first, so the first candidate that matches is the longest at that position.
        for (List<AddedToken> l : m.values()) l.sort(Comparator.comparingInt((AddedToken t) -> -spelling.get(t).length()));
        BitSet first = new BitSet();
        for (char c : m.keySet()) first.set(c);
        return new Index(m, spelling, first);
    }

    void split(String text, Sink sink) {
        if (tokens.isEmpty()) {
            String n = normalization.apply(text);
            if (!n.isEmpty()) sink.text(n);
            return;
        }
        pass(text, raw, new Sink() {
            @Override
            public void text(String piece) {
                pass(normalization.apply(piece), normalized, sink);
            }

            @Override
            public void token(AddedToken token) {
                sink.token(token);
            }
        });
    }

    private static void pass(String text, Index index, Sink sink) {
        if (index.isEmpty()) {
            if (!text.isEmpty()) sink.text(text);
            return;
        }
        int pieceStart = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char ch = text.charAt(i);
            // Most characters start no added token: skip them without a map look-up.
            if (!index.first().get(ch)) {
                i++;
                continue;
            }
            List<AddedToken> candidates = index.byFirst().get(ch);
            AddedToken hit = null;
            if (candidates != null) {
                for (AddedToken t : candidates) {
                    if (text.startsWith(index.spelling().get(t), i)) {
                        hit = t;
                        break;
                    }
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            int end = i + index.spelling().get(hit).length();
            if (hit.singleWord() && (i > 0 && isWordChar(text.codePointBefore(i)) || end < n && isWordChar(text.codePointAt(end)))) {
                i = end;
                continue;
            }
            int pieceEnd = i;
            if (hit.lstrip()) while (pieceEnd > pieceStart && isSpace(text.codePointBefore(pieceEnd))) pieceEnd -= Character.charCount(text.codePointBefore(pieceEnd));
            if (pieceEnd > pieceStart) sink.text(text.substring(pieceStart, pieceEnd));
            sink.token(hit);
            if (hit.rstrip()) while (end < n && isSpace(text.codePointAt(end))) end += Character.charCount(text.codePointAt(end));
            pieceStart = end;
            i = end;
        }
        if (pieceStart < n) sink.text(text.substring(pieceStart));
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }

    /** Rust's char::is_whitespace: the Unicode White_Space property. */
    static boolean isSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }
}
