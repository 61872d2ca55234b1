package jprune.lm.tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token matched in the raw text before pre-tokenization, as in the "added_tokens" list of
 * tokenizer.json. {@code special} tokens can be skipped when decoding; {@code singleWord} only
 * matches when no word character touches it; {@code lstrip}/{@code rstrip} swallow the white
 * space on their side; {@code normalized} tokens are matched after normalization (a second pass;
 * with no normalizer it sees the same text).
 */
public record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
                         boolean normalized) {
    public AddedToken {
        if (content == null || content.isEmpty()) throw new TokenizerFormatException("added token " + id + " has empty content");
        if (id < 0) throw new TokenizerFormatException("added token " + BpeModel.quote(content) + " has negative id " + id);
    }

    /** A special token as tokenizers writes them: whole, not normalized, no stripping. */
    public static AddedToken special(int id, String content) {
        return new AddedToken(id, content, true, false, false, false, false);
    }

    /** The entry of "added_tokens" in tokenizer.json (key order as Hugging Face writes it). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("content", content);
        m.put("single_word", singleWord);
        m.put("lstrip", lstrip);
        m.put("rstrip", rstrip);
        m.put("normalized", normalized);
        m.put("special", special);
        return m;
    }
}
