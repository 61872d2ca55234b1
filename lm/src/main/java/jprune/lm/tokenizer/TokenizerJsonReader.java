package jprune.lm.tokenizer;

import static jprune.lm.tokenizer.JsonFields.array;
import static jprune.lm.tokenizer.JsonFields.bool;
import static jprune.lm.tokenizer.JsonFields.error;
import static jprune.lm.tokenizer.JsonFields.integer;
import static jprune.lm.tokenizer.JsonFields.object;
import static jprune.lm.tokenizer.JsonFields.optString;
import static jprune.lm.tokenizer.JsonFields.string;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.io.Json;
import jprune.nn.io.JsonException;

/**
 * Reads a Hugging Face fast-tokenizer file (tokenizer.json) of a byte-level BPE tokenizer, with
 * the meaning {@code tokenizers} gives it. Supported: model BPE (vocab; merges as "a b" strings
 * or ["a","b"] pairs; ignore_merges; unk_token; fuse_unk; dropout null or 0; byte_fallback
 * false; no continuing_subword_prefix or end_of_word_suffix); normalizer null, NFC, NFD, NFKC,
 * NFKD or a Sequence of them; pre_tokenizer
 * ByteLevel or a Sequence of Split (Isolated or Removed) and one ByteLevel; decoder ByteLevel;
 * post_processor null, ByteLevel, TemplateProcessing, RobertaProcessing, BertProcessing or a
 * Sequence of them; truncation and padding null. Anything else is refused with one line naming
 * the component and what is supported.
 */
public final class TokenizerJsonReader {
    private TokenizerJsonReader() {}

    public static Tokenizer read(Path file) throws IOException {
        String text = readUtf8(file);
        try {
            return parse(text);
        } catch (TokenizerFormatException e) {
            throw new TokenizerFormatException(file + ": " + e.getMessage(), e);
        }
    }

    static String readUtf8(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new TokenizerFormatException(file + ": not UTF-8 text");
        }
    }

    /** Parses the text of a tokenizer.json. */
    public static Tokenizer parse(String json) {
        Map<String, Object> root;
        try {
            root = Json.parseObject(json);
        } catch (JsonException e) {
            throw new TokenizerFormatException(e.getMessage(), e);
        }
        for (String k : List.of("truncation", "padding")) {
            if (root.get(k) != null) throw error(k, "not supported (must be null); cut or pad the ids after encoding");
        }
        Normalization normalization = Normalization.fromJson(root.get("normalizer"));
        if (!root.containsKey("model")) throw error("model", "missing");
        BpeModel model = model(object(root.get("model"), "model"));
        PreTokenizer pre = preTokenizer(root.get("pre_tokenizer"));
        decoder(root.get("decoder"));
        List<AddedToken> added = new ArrayList<>();
        Object addedJson = root.get("added_tokens");
        if (addedJson != null) {
            List<Object> list = array(addedJson, "added_tokens");
            for (int i = 0; i < list.size(); i++) added.add(addedToken(object(list.get(i), "added_tokens[" + i + "]"), "added_tokens[" + i + "]"));
        }
        Map<String, Integer> ids = new LinkedHashMap<>(model.vocab());
        for (AddedToken t : added) ids.put(t.content(), t.id());
        PostProcessor post = postProcessor(root.get("post_processor"), ids);
        return new Tokenizer(normalization, model, pre, added, post);
    }

    static AddedToken addedToken(Map<String, Object> m, String path) {
        int id = integer(m.get("id"), path + ".id");
        String content = string(m.get("content"), path + ".content");
        boolean special = bool(m, "special", false, path);
        return new AddedToken(id, content, special, bool(m, "single_word", false, path), bool(m, "lstrip", false, path),
                bool(m, "rstrip", false, path), bool(m, "normalized", !special, path));
    }

    static BpeModel model(Map<String, Object> m) {
        Object type = m.get("type");
        if (type != null && !"BPE".equals(type)) {
            throw error("model.type", type + " is not supported (only BPE: byte-level BPE as GPT-2 and Llama 3 use)");
        }
        if (type == null && !m.containsKey("merges")) throw error("model", "no \"type\" and no \"merges\": not a BPE model");
        Object dropout = m.get("dropout");
        if (dropout != null && !(dropout instanceof Number d && d.doubleValue() == 0)) {
            throw error("model.dropout", dropout + " is not supported (only null or 0: BPE dropout is for training, not for encoding)");
        }
        for (String k : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            String v = optString(m, k, "model");
            if (v != null && !v.isEmpty()) throw error("model." + k, BpeModel.quote(v) + " is not supported (only null: byte-level BPE marks no word boundaries)");
        }
        if (bool(m, "byte_fallback", false, "model")) {
            throw error("model.byte_fallback", "true is not supported (only false: a byte-level vocabulary already covers every byte)");
        }
        Map<String, Object> vocabJson = object(m.get("vocab"), "model.vocab");
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (var e : vocabJson.entrySet()) vocab.put(e.getKey(), integer(e.getValue(), "model.vocab[" + BpeModel.quote(e.getKey()) + "]"));
        List<Object> mergesJson = array(m.get("merges"), "model.merges");
        List<String[]> merges = new ArrayList<>(mergesJson.size());
        for (int i = 0; i < mergesJson.size(); i++) {
            Object o = mergesJson.get(i);
            String path = "model.merges[" + i + "]";
            if (o instanceof String s) {
                merges.add(splitMerge(s, path));
            } else if (o instanceof List<?> pair) {
                if (pair.size() != 2) throw error(path, "expected a pair of tokens, got " + pair.size() + " items");
                merges.add(new String[] {string(pair.get(0), path + "[0]"), string(pair.get(1), path + "[1]")});
            } else {
                throw error(path, "expected \"a b\" or [\"a\", \"b\"], got " + JsonFields.typeName(o));
            }
        }
        try {
            return new BpeModel(vocab, merges, bool(m, "ignore_merges", false, "model"), optString(m, "unk_token", "model"),
                    bool(m, "fuse_unk", false, "model"));
        } catch (TokenizerFormatException e) {
            throw new TokenizerFormatException("model: " + e.getMessage(), e);
        }
    }

    /** "a b" → {a, b}; exactly one space, as tokenizers requires. */
    static String[] splitMerge(String s, String where) {
        int sp = s.indexOf(' ');
        if (sp <= 0 || sp == s.length() - 1 || s.indexOf(' ', sp + 1) >= 0) {
            throw error(where, "expected two tokens separated by one space, got " + BpeModel.quote(s));
        }
        return new String[] {s.substring(0, sp), s.substring(sp + 1)};
    }

    static PreTokenizer preTokenizer(Object json) {
        if (json == null) throw error("pre_tokenizer", "null is not supported (a byte-level tokenizer needs ByteLevel, alone or last in a Sequence)");
        Map<String, Object> m = object(json, "pre_tokenizer");
        List<PreTokenizer.Step> steps = new ArrayList<>();
        if ("Sequence".equals(m.get("type"))) {
            List<Object> list = array(m.get("pretokenizers"), "pre_tokenizer.pretokenizers");
            for (int i = 0; i < list.size(); i++) steps.add(step(object(list.get(i), "pre_tokenizer.pretokenizers[" + i + "]"), "pre_tokenizer.pretokenizers[" + i + "]"));
        } else {
            steps.add(step(m, "pre_tokenizer"));
        }
        try {
            return new PreTokenizer(steps);
        } catch (TokenizerFormatException e) {
            throw new TokenizerFormatException(e.getMessage(), e);
        }
    }

    private static PreTokenizer.Step step(Map<String, Object> m, String path) {
        Object type = m.get("type");
        if ("ByteLevel".equals(type)) {
            // Missing fields take the defaults of tokenizers' ByteLevel (all true).
            return new PreTokenizer.ByteLevel(bool(m, "add_prefix_space", true, path), bool(m, "trim_offsets", true, path),
                    bool(m, "use_regex", true, path));
        }
        if ("Split".equals(type)) {
            Map<String, Object> p = object(m.get("pattern"), path + ".pattern");
            boolean literal = p.containsKey("String");
            if (!literal && !p.containsKey("Regex")) throw error(path + ".pattern", "expected {\"Regex\": ...} or {\"String\": ...}");
            String pattern = string(p.get(literal ? "String" : "Regex"), path + ".pattern");
            String behavior = string(m.get("behavior"), path + ".behavior");
            if (!behavior.equals("Isolated") && !behavior.equals("Removed")) {
                throw error(path + ".behavior", behavior + " is not supported (Isolated or Removed)");
            }
            try {
                return new PreTokenizer.Split(pattern, literal, behavior.equals("Removed"), bool(m, "invert", false, path));
            } catch (TokenizerFormatException e) {
                throw new TokenizerFormatException(path + ": " + e.getMessage(), e);
            }
        }
        throw error(path, "type " + type + " is not supported (ByteLevel, or a Sequence of Split and ByteLevel)");
    }

    private static void decoder(Object json) {
        if (json == null) throw error("decoder", "null is not supported (only ByteLevel)");
        Map<String, Object> m = object(json, "decoder");
        if (!"ByteLevel".equals(m.get("type"))) throw error("decoder", "type " + m.get("type") + " is not supported (only ByteLevel)");
    }

    static PostProcessor postProcessor(Object json, Map<String, Integer> ids) {
        if (json == null) return PostProcessor.none();
        Map<String, Object> m = object(json, "post_processor");
        List<Integer> prefix = new ArrayList<>();
        List<Integer> suffix = new ArrayList<>();
        wrap(m, "post_processor", ids, prefix, suffix);
        return new PostProcessor(prefix.stream().mapToInt(Integer::intValue).toArray(), suffix.stream().mapToInt(Integer::intValue).toArray(), json);
    }

    /** Adds what processor {@code m} puts around a single sequence (applied after those already in prefix/suffix). */
    private static void wrap(Map<String, Object> m, String path, Map<String, Integer> ids, List<Integer> prefix, List<Integer> suffix) {
        Object type = m.get("type");
        switch (type instanceof String s ? s : "") {
            case "ByteLevel" -> { }
            case "Sequence" -> {
                List<Object> list = array(m.get("processors"), path + ".processors");
                for (int i = 0; i < list.size(); i++) wrap(object(list.get(i), path + ".processors[" + i + "]"), path + ".processors[" + i + "]", ids, prefix, suffix);
            }
            case "RobertaProcessing", "BertProcessing" -> {
                prefix.addFirst(pairId(m.get("cls"), path + ".cls", ids));
                suffix.add(pairId(m.get("sep"), path + ".sep", ids));
            }
            case "TemplateProcessing" -> template(m, path, prefix, suffix);
            default -> throw error(path, "type " + type + " is not supported (ByteLevel, TemplateProcessing, RobertaProcessing, BertProcessing or a Sequence of them)");
        }
    }

    private static int pairId(Object v, String path, Map<String, Integer> ids) {
        List<Object> pair = array(v, path);
        if (pair.size() != 2) throw error(path, "expected [token, id]");
        String token = string(pair.get(0), path + "[0]");
        int id = integer(pair.get(1), path + "[1]");
        Integer known = ids.get(token);
        if (known == null || known != id) throw error(path, "token " + BpeModel.quote(token) + " with id " + id + " is not in the vocabulary");
        return id;
    }

    private static void template(Map<String, Object> m, String path, List<Integer> prefix, List<Integer> suffix) {
        Map<String, Object> specials = m.get("special_tokens") == null ? Map.of() : object(m.get("special_tokens"), path + ".special_tokens");
        List<Object> single = array(m.get("single"), path + ".single");
        List<Integer> before = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        boolean seenA = false;
        for (int i = 0; i < single.size(); i++) {
            String ip = path + ".single[" + i + "]";
            Map<String, Object> item = object(single.get(i), ip);
            if (item.containsKey("Sequence")) {
                Map<String, Object> seq = object(item.get("Sequence"), ip + ".Sequence");
                if (!"A".equals(seq.get("id")) || seenA) throw error(ip, "a single-sequence template must name sequence A exactly once");
                seenA = true;
            } else if (item.containsKey("SpecialToken")) {
                String name = string(object(item.get("SpecialToken"), ip + ".SpecialToken").get("id"), ip + ".SpecialToken.id");
                if (!specials.containsKey(name)) throw error(ip, "special token " + BpeModel.quote(name) + " is not listed in special_tokens");
                Map<String, Object> entry = object(specials.get(name), path + ".special_tokens[" + BpeModel.quote(name) + "]");
                for (Object id : array(entry.get("ids"), path + ".special_tokens[" + BpeModel.quote(name) + "].ids")) {
                    (seenA ? after : before).add(integer(id, path + ".special_tokens[" + BpeModel.quote(name) + "].ids"));
                }
            } else {
                throw error(ip, "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
            }
        }
        if (!seenA) throw error(path + ".single", "the template does not contain sequence A");
        prefix.addAll(0, before);
        suffix.addAll(after);
    }
}
