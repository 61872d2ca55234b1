package jprune.lm.data;

import java.util.List;
import java.util.Set;

/**
 * Turns the words of one Brown sentence (tags already stripped) back into running text.
 *
 * <p>The corpus separates every punctuation mark from its neighbours by a space; clitics and
 * possessives stay attached to their word ({@code don't}, {@code Atlanta's}), as do {@code $} and
 * {@code %} ({@code $1,000}, {@code 50%}), so only the punctuation needs rejoining:
 * <ul>
 *   <li>{@code ``} becomes an opening {@code "} and {@code ''} a closing {@code "};
 *   <li>no space before <code>, . ; : ! ? ) ] &#125;</code> or {@code %}, or before a closing quote;
 *   <li>no space after <code>( [ &#123;</code> or {@code $}, or after an opening quote;
 *   <li>a lone {@code /} (the corpus's "per", as in {@code counts / minute}) joins both neighbours;
 *   <li>{@code --} (a dash) keeps a space on either side, like any other word;
 *   <li>a lone {@code '} is a single quote whose direction the corpus does not record: it closes
 *       when it ends the sentence or comes before closing punctuation, opens at the start or after
 *       an opening bracket or quote, and otherwise alternates, opening when no single quote is open
 *       in the sentence.
 * </ul>
 * Quotes that span sentences are not balanced across lines: each line is rejoined on its own.
 */
public final class BrownDetokenizer {
    private static final Set<String> NO_SPACE_BEFORE = Set.of(",", ".", ";", ":", "!", "?", ")", "]", "}", "%");
    private static final Set<String> NO_SPACE_AFTER = Set.of("(", "[", "{", "$");
    private static final String OPEN_DOUBLE = "``", CLOSE_DOUBLE = "''", SINGLE = "'", SLASH = "/";

    private BrownDetokenizer() {}

    /** The sentence as text; words must be non-empty. */
    public static String join(List<String> words) {
        int n = words.size();
        boolean[] opens = new boolean[n], closes = new boolean[n];
        boolean singleOpen = false;
        for (int i = 0; i < n; i++) {
            String w = words.get(i);
            if (w.equals(OPEN_DOUBLE)) {
                opens[i] = true;
            } else if (w.equals(CLOSE_DOUBLE)) {
                closes[i] = true;
            } else if (w.equals(SINGLE)) {
                boolean close;
                if (i == n - 1 || closesBefore(words.get(i + 1))) close = true;
                else if (i == 0 || opensAfter(words.get(i - 1))) close = false;
                else close = singleOpen;
                closes[i] = close;
                opens[i] = !close;
                singleOpen = !close;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String w = words.get(i);
            if (i > 0 && space(words.get(i - 1), opens[i - 1], w, closes[i])) sb.append(' ');
            sb.append(w.equals(OPEN_DOUBLE) || w.equals(CLOSE_DOUBLE) ? "\"" : w);
        }
        return sb.toString();
    }

    /** Whether the word is closing punctuation, written against the word before it ({@code ''} and the marks above). */
    public static boolean attachesToPrevious(String w) {
        return w.equals(CLOSE_DOUBLE) || NO_SPACE_BEFORE.contains(w);
    }

    /** Whether the word is opening punctuation, written against the word after it ({@code ``}, brackets, {@code $}). */
    public static boolean attachesToNext(String w) {
        return w.equals(OPEN_DOUBLE) || NO_SPACE_AFTER.contains(w);
    }

    private static boolean space(String prev, boolean prevOpens, String cur, boolean curCloses) {
        if (prevOpens || NO_SPACE_AFTER.contains(prev) || prev.equals(SLASH)) return false;
        return !(curCloses || NO_SPACE_BEFORE.contains(cur) || cur.equals(SLASH));
    }

    /** Whether w is punctuation that attaches to the word before it (so a quote before it closes). */
    private static boolean closesBefore(String w) {
        return NO_SPACE_BEFORE.contains(w) || w.equals(CLOSE_DOUBLE) || w.equals(SINGLE);
    }

    /** Whether w attaches to the word after it (so a quote after it opens). */
    private static boolean opensAfter(String w) {
        return NO_SPACE_AFTER.contains(w) || w.equals(OPEN_DOUBLE);
    }
}
