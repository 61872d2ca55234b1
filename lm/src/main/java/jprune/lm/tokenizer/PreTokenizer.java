package jprune.lm.tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into pre-tokens before BPE, as a chain of steps in the order the tokenizer file
 * lists them. Each step maps every piece to zero or more pieces:
 * <ul>
 *   <li>{@link Split}: a regex; matches and the text between them become pieces ("Isolated"),
 *       or only the text between them ("Removed"); {@code invert} swaps the roles.</li>
 *   <li>{@link ByteLevel}: optionally prefixes a space to a piece that does not start with one,
 *       then (with {@code useRegex}) splits it with the GPT-2 pattern, Isolated.</li>
 * </ul>
 * Empty pieces are dropped. Mapping the pieces to bytes happens afterwards (every tokenizer this
 * package loads is byte-level).
 */
public final class PreTokenizer {
    /** The GPT-2 split pattern, as the ByteLevel pre-tokenizer uses it. */
    public static final String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** The Llama 3 split pattern (a Split step before a ByteLevel step without regex). */
    public static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final Pattern GPT2 = SplitRegex.compile(GPT2_PATTERN);

    /** One step of the chain. */
    public sealed interface Step permits Split, ByteLevel {
        Map<String, Object> toJson();
    }

    /**
     * A regex split step. {@code literal} means {@code pattern} is a plain string ("String" in
     * the file) rather than a regex ("Regex").
     */
    public record Split(String pattern, boolean literal, boolean removed, boolean invert, Pattern compiled) implements Step {
        public Split(String pattern, boolean literal, boolean removed, boolean invert) {
            this(pattern, literal, removed, invert, literal ? Pattern.compile(Pattern.quote(pattern)) : SplitRegex.compile(pattern));
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", "Split");
            m.put("pattern", Map.of(literal ? "String" : "Regex", pattern));
            m.put("behavior", removed ? "Removed" : "Isolated");
            m.put("invert", invert);
            return m;
        }
    }

    /** The ByteLevel step (the byte mapping itself is applied after the whole chain). */
    public record ByteLevel(boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) implements Step {
        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", "ByteLevel");
            m.put("add_prefix_space", addPrefixSpace);
            m.put("trim_offsets", trimOffsets);
            m.put("use_regex", useRegex);
            return m;
        }
    }

    private final List<Step> steps;

    public PreTokenizer(List<Step> steps) {
        this.steps = List.copyOf(steps);
        long byteLevel = steps.stream().filter(s -> s instanceof ByteLevel).count();
        if (byteLevel != 1) {
            throw new TokenizerFormatException("pre_tokenizer: a byte-level tokenizer needs exactly one ByteLevel step, found " + byteLevel);
        }
    }

    /** GPT-2's: one ByteLevel step with the GPT-2 regex and no prefix space. */
    public static PreTokenizer gpt2() {
        return new PreTokenizer(List.of(new ByteLevel(false, true, true)));
    }

    /** Llama 3's: a Split with the Llama 3 regex, then ByteLevel without regex. */
    public static PreTokenizer llama3() {
        return new PreTokenizer(List.of(new Split(LLAMA3_PATTERN, false, false, false), new ByteLevel(false, true, false)));
    }

    /** A split with {@code pattern} (Isolated) followed by ByteLevel: the GPT-2 form for the GPT-2 pattern. */
    public static PreTokenizer forPattern(String pattern) {
        if (pattern.equals(GPT2_PATTERN)) return gpt2();
        return new PreTokenizer(List.of(new Split(pattern, false, false, false), new ByteLevel(false, true, false)));
    }

    public List<Step> steps() {
        return steps;
    }

    /** The JSON value of "pre_tokenizer" in tokenizer.json. */
    public Object toJson() {
        if (steps.size() == 1) return steps.get(0).toJson();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "Sequence");
        List<Object> list = new ArrayList<>();
        for (Step s : steps) list.add(s.toJson());
        m.put("pretokenizers", list);
        return m;
    }

    /** Appends the pre-tokens of {@code text} to {@code out}. */
    public void split(String text, List<String> out) {
        List<String> pieces = new ArrayList<>();
        pieces.add(text);
        for (Step step : steps) {
            List<String> next = new ArrayList<>(pieces.size() * 2);
            for (String piece : pieces) apply(step, piece, next);
            pieces = next;
        }
        out.addAll(pieces);
    }

    private static void apply(Step step, String piece, List<String> out) {
        switch (step) {
            case Split s -> split(s.compiled(), piece, !s.removed(), s.removed() && s.invert(), s.removed() && !s.invert(), out);
            case ByteLevel b -> {
                String p = b.addPrefixSpace() && !piece.startsWith(" ") ? " " + piece : piece;
                if (b.useRegex()) split(GPT2, p, true, true, true, out);
                else if (!p.isEmpty()) out.add(p);
            }
        }
    }

    private static void split(Pattern pattern, String text, boolean isolated, boolean keepMatches, boolean keepGaps, List<String> out) {
        Matcher m = pattern.matcher(text);
        int prev = 0;
        while (m.find()) {
            int start = m.start();
            int end = m.end();
            if (start == end) continue;
            if (prev < start && (isolated || keepGaps)) out.add(text.substring(prev, start));
            if (isolated || keepMatches) out.add(text.substring(start, end));
            prev = end;
        }
        if (prev < text.length() && (isolated || keepGaps)) out.add(text.substring(prev));
    }
}
