package jprune.lm.data;

import java.util.List;

/**
 * The plain text of one split of a corpus: its sentences joined with a newline (no trailing
 * newline), with the files it came from and how many sentences it holds.
 */
public record CorpusText(String name, String text, List<String> files, int sentences) {
    public CorpusText {
        files = List.copyOf(files);
        if (sentences < 0) throw new IllegalArgumentException("sentences must be >= 0, got " + sentences);
    }

    /** The length of the text in UTF-16 chars (for the ASCII Brown corpus, in characters and bytes). */
    public long characters() {
        return text.length();
    }
}
