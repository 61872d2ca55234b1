package jprune.lm.tokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What encoding with special tokens adds around the ids: a fixed prefix and suffix, from a
 * TemplateProcessing "single" template (Llama's BOS), a RobertaProcessing (cls … sep), or nothing
 * (ByteLevel, whose only effect in Hugging Face is on offsets). {@code json} is the
 * "post_processor" value written back to tokenizer.json.
 */
public record PostProcessor(int[] prefix, int[] suffix, Object json) {
    public PostProcessor {
        prefix = prefix.clone();
        suffix = suffix.clone();
    }

    @Override
    public int[] prefix() {
        return prefix.clone();
    }

    @Override
    public int[] suffix() {
        return suffix.clone();
    }

    /** None at all ("post_processor": null). */
    public static PostProcessor none() {
        return new PostProcessor(new int[0], new int[0], null);
    }

    /** GPT-2's: ByteLevel, adding no ids. */
    public static PostProcessor byteLevel() {
        return new PostProcessor(new int[0], new int[0], byteLevelJson());
    }

    private static Map<String, Object> byteLevelJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "ByteLevel");
        m.put("add_prefix_space", true);
        m.put("trim_offsets", false);
        m.put("use_regex", true);
        return m;
    }

    /** Llama 3's: ByteLevel then a template putting {@code bos} before each sequence. */
    public static PostProcessor bos(String bos, int bosId) {
        Map<String, Object> special = Map.of("SpecialToken", ordered("id", bos, "type_id", 0));
        Map<String, Object> template = new LinkedHashMap<>();
        template.put("type", "TemplateProcessing");
        template.put("single", List.of(special, Map.of("Sequence", ordered("id", "A", "type_id", 0))));
        template.put("pair", List.of(special, Map.of("Sequence", ordered("id", "A", "type_id", 0)),
                Map.of("SpecialToken", ordered("id", bos, "type_id", 1)), Map.of("Sequence", ordered("id", "B", "type_id", 1))));
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("id", bos);
        entry.put("ids", List.of(bosId));
        entry.put("tokens", List.of(bos));
        template.put("special_tokens", Map.of(bos, entry));
        Map<String, Object> seq = new LinkedHashMap<>();
        seq.put("type", "Sequence");
        seq.put("processors", List.of(byteLevelJson(), template));
        return new PostProcessor(new int[] {bosId}, new int[0], seq);
    }

    private static Map<String, Object> ordered(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }
}
