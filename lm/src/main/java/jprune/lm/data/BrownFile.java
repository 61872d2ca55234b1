package jprune.lm.data;

import java.util.ArrayList;
import java.util.List;
import jprune.nn.data.DataFormatException;

/**
 * One tagged file of the Brown corpus as sentences of plain text. Each non-blank line is one
 * sentence (headlines, tagged {@code -hl}, included); a leading tab marks a new paragraph and is
 * dropped. A line is a sequence of {@code word/tag} tokens separated by spaces or tabs; the tag
 * follows the last slash, because words may contain slashes ({@code 1/2/cd}, {@code and/or/cc}).
 * The words are rejoined by {@link BrownDetokenizer}.
 *
 * <p>Four artifacts of the corpus's tokenization are undone first, so the text reads as printed:
 * <ul>
 *   <li>a line never ends in a single {@code ?}, {@code !}, {@code ;} or {@code :} (tagged as
 *       sentence ends): it ends with the mark twice ({@code living ?/. ?/.}); the second is dropped;
 *   <li>a sentence ending in an abbreviation has a period of its own after it ({@code Jr./np ./.}):
 *       a line-final {@code .} after a word ending in a period is dropped ({@code Jr.});
 *   <li>a comma after a regnal or ordinal number written as a digit is doubled
 *       ({@code Henry 4 , ,}): two consecutive commas become one;
 *   <li>an inch mark is written {@code ''} at the end of its word and then once more as a token
 *       ({@code 1/4''/nn ''/''}): it becomes one {@code "} ({@code 1/4"}).
 * </ul>
 * Punctuation that the corpus put on a line of its own, or at the wrong end of a line, joins the
 * sentence it belongs to: closing punctuation that starts a line (a closing {@code ''} or
 * {@code )}, a period after a headline, a comma) ends the line before, and opening punctuation
 * that ends a line (an opening {@code ``} or {@code (}) starts the line after.
 */
public final class BrownFile {
    private BrownFile() {}

    /** The sentences of a file's text; name (e.g. ca01) is used in error messages. */
    public static List<String> sentences(String name, String content) throws DataFormatException {
        List<List<String>> lines = new ArrayList<>();
        int lineNo = 0, start = 0, len = content.length();
        while (start < len) {
            int end = content.indexOf('\n', start);
            if (end < 0) end = len;
            lineNo++;
            List<String> words = undoArtifacts(words(name, lineNo, content, start, end));
            if (!words.isEmpty()) lines.add(words);
            start = end + 1;
        }
        moveStrayPunctuation(lines);
        List<String> out = new ArrayList<>(lines.size());
        for (List<String> words : lines) if (!words.isEmpty()) out.add(BrownDetokenizer.join(words));
        return out;
    }

    /** The words of one tagged line (empty for a blank line), tags removed. */
    public static List<String> words(String name, int lineNo, String line) throws DataFormatException {
        return words(name, lineNo, line, 0, line.length());
    }

    private static List<String> words(String name, int lineNo, String s, int from, int to) throws DataFormatException {
        List<String> words = new ArrayList<>();
        int i = from;
        while (true) {
            while (i < to && isSpace(s.charAt(i))) i++;
            if (i >= to) return words;
            int j = i;
            while (j < to && !isSpace(s.charAt(j))) j++;
            int slash = s.lastIndexOf('/', j - 1);
            if (slash <= i || slash == j - 1)
                throw new DataFormatException("Brown corpus file " + name + ", line " + lineNo + ": token '" + abbreviate(s.substring(i, j))
                        + "' is not word/tag (a non-empty word, a slash, a non-empty tag)");
            words.add(s.substring(i, slash));
            i = j;
        }
    }

    /** The words with the corpus's doubled marks removed (see the class comment); changes and returns the list. */
    static List<String> undoArtifacts(List<String> words) {
        for (int i = words.size() - 1; i > 0; i--) {
            String w = words.get(i), prev = words.get(i - 1);
            if (w.equals(",") && prev.equals(",")) {
                words.remove(i);
            } else if (w.equals("''") && prev.length() > 2 && prev.endsWith("''")) {
                words.remove(i);
                words.set(i - 1, prev.substring(0, prev.length() - 2) + '"');
            }
        }
        int n = words.size();
        if (n >= 2) {
            String last = words.get(n - 1), before = words.get(n - 2);
            boolean doubledEnd = last.equals(before) && (last.equals("?") || last.equals("!") || last.equals(";") || last.equals(":"));
            boolean abbreviationEnd = last.equals(".") && before.length() > 1 && before.endsWith(".");
            if (doubledEnd || abbreviationEnd) words.remove(n - 1);
        }
        return words;
    }

    /**
     * Moves closing punctuation that starts a line to the end of the nearest non-empty line before
     * it, and opening punctuation that ends a line to the start of the nearest non-empty line after
     * it. Lines that held only such punctuation are left empty.
     */
    static void moveStrayPunctuation(List<List<String>> lines) {
        int before = -1;
        for (int i = 0; i < lines.size(); i++) {
            List<String> line = lines.get(i);
            while (before >= 0 && !line.isEmpty() && BrownDetokenizer.attachesToPrevious(line.getFirst())) lines.get(before).add(line.removeFirst());
            if (!line.isEmpty()) before = i;
        }
        int after = -1;
        for (int i = lines.size() - 1; i >= 0; i--) {
            List<String> line = lines.get(i);
            while (after >= 0 && !line.isEmpty() && BrownDetokenizer.attachesToNext(line.getLast())) lines.get(after).addFirst(line.removeLast());
            if (!line.isEmpty()) after = i;
        }
    }

    // A CR is whitespace so that a copy of the corpus with Windows line ends reads the same.
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\r';
    }

    private static String abbreviate(String token) {
        return token.length() <= 40 ? token : token.substring(0, 40) + "...";
    }
}
