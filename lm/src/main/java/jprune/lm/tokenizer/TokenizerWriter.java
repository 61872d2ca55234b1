package jprune.lm.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;

/**
 * Writes a tokenizer in the Hugging Face layout, each file atomically:
 * <ul>
 *   <li>{@code tokenizer.json}: the fast-tokenizer file, in the form tokenizers 0.20+ writes
 *       (merges as pairs), which {@link TokenizerJsonReader} and Hugging Face read back to the
 *       same ids;</li>
 *   <li>{@code vocab.json} + {@code merges.txt} ("#version: 0.2" then one "a b" a line): the
 *       GPT-2 pair, the model's vocabulary only;</li>
 *   <li>{@code tokenizer_config.json} and {@code special_tokens_map.json} as transformers writes
 *       them for a GPT-2 tokenizer (see {@link #writeTokenizerConfig}).</li>
 * </ul>
 */
public final class TokenizerWriter {
    private TokenizerWriter() {}

    /** Writes all four files into {@code dir}. */
    public static void writeAll(Tokenizer t, Path dir, int modelMaxLength) throws IOException {
        writeTokenizerJson(t, dir.resolve("tokenizer.json"));
        writeVocabAndMerges(t, dir);
        writeTokenizerConfig(t, dir, modelMaxLength);
    }

    /** The tokenizer.json content. */
    public static Map<String, Object> tokenizerJson(Tokenizer t) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        List<Object> added = new ArrayList<>();
        for (AddedToken a : t.addedTokens()) added.add(a.toJson());
        root.put("added_tokens", added);
        root.put("normalizer", t.normalization().json());
        root.put("pre_tokenizer", t.preTokenizer().toJson());
        root.put("post_processor", t.postProcessor().json());
        Map<String, Object> decoder = new LinkedHashMap<>();
        decoder.put("type", "ByteLevel");
        decoder.put("add_prefix_space", true);
        decoder.put("trim_offsets", true);
        decoder.put("use_regex", true);
        root.put("decoder", decoder);
        BpeModel m = t.model();
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", m.unkToken());
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", m.fusesUnk());
        model.put("byte_fallback", false);
        model.put("ignore_merges", m.ignoresMerges());
        model.put("vocab", vocabById(m));
        List<Object> merges = new ArrayList<>();
        for (String[] pair : m.merges()) merges.add(List.of(pair[0], pair[1]));
        model.put("merges", merges);
        root.put("model", model);
        return root;
    }

    private static Map<String, Object> vocabById(BpeModel m) {
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int id = 0; id < m.size(); id++) {
            String tok = m.token(id);
            if (tok != null) vocab.put(tok, id);
        }
        return vocab;
    }

    public static void writeTokenizerJson(Tokenizer t, Path file) throws IOException {
        AtomicFiles.writeString(file, Json.write(tokenizerJson(t), true));
    }

    /** Writes {@code dir/vocab.json} and {@code dir/merges.txt}. */
    public static void writeVocabAndMerges(Tokenizer t, Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve("vocab.json"), Json.write(vocabById(t.model()), false));
        StringBuilder sb = new StringBuilder("#version: 0.2\n");
        for (String[] pair : t.model().merges()) sb.append(pair[0]).append(' ').append(pair[1]).append('\n');
        AtomicFiles.writeString(dir.resolve("merges.txt"), sb.toString());
    }

    /**
     * Writes {@code dir/tokenizer_config.json} with the fields transformers writes for GPT-2:
     * {@code add_bos_token} (true when the post-processor adds a BOS), {@code add_prefix_space}
     * (false), {@code added_tokens_decoder} (id → the added token's flags), {@code bos_token} (the
     * post-processor's first token, else the first special token), {@code eos_token} (the last
     * special token), {@code unk_token} (the model's unknown token, else as GPT-2 does the end
     * token when there is no BOS template), {@code pad_token} (null), {@code clean_up_tokenization_spaces}
     * (false, so decoding gives back the text), {@code errors} ("replace": bad UTF-8 becomes
     * U+FFFD), {@code model_max_length} and {@code tokenizer_class} ("GPT2Tokenizer", or
     * "PreTrainedTokenizerFast" with a BOS template, as Llama 3 has); and
     * {@code dir/special_tokens_map.json} with the bos, eos and unk tokens that are set.
     */
    public static void writeTokenizerConfig(Tokenizer t, Path dir, int modelMaxLength) throws IOException {
        List<AddedToken> specials = t.specialTokens();
        int[] prefix = t.postProcessor().prefix();
        String bos = prefix.length > 0 ? t.token(prefix[0]) : specials.isEmpty() ? null : specials.get(0).content();
        String eos = specials.isEmpty() ? null : specials.get(specials.size() - 1).content();
        String unk = t.model().unkToken() != null ? t.model().unkToken() : prefix.length == 0 ? eos : null;
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("add_bos_token", prefix.length > 0);
        c.put("add_prefix_space", false);
        Map<String, Object> dec = new LinkedHashMap<>();
        for (AddedToken a : t.addedTokens()) {
            Map<String, Object> e = a.toJson();
            e.remove("id");
            Map<String, Object> sorted = new LinkedHashMap<>();
            for (String k : List.of("content", "lstrip", "normalized", "rstrip", "single_word", "special")) sorted.put(k, e.get(k));
            dec.put(Integer.toString(a.id()), sorted);
        }
        c.put("added_tokens_decoder", dec);
        c.put("bos_token", bos);
        c.put("clean_up_tokenization_spaces", false);
        c.put("eos_token", eos);
        c.put("errors", "replace");
        c.put("model_max_length", modelMaxLength);
        c.put("pad_token", null);
        c.put("tokenizer_class", prefix.length > 0 ? "PreTrainedTokenizerFast" : "GPT2Tokenizer");
        c.put("unk_token", unk);
        AtomicFiles.writeString(dir.resolve("tokenizer_config.json"), Json.write(c, true));
        Map<String, Object> map = new LinkedHashMap<>();
        if (bos != null) map.put("bos_token", bos);
        if (eos != null) map.put("eos_token", eos);
        if (unk != null) map.put("unk_token", unk);
        AtomicFiles.writeString(dir.resolve("special_tokens_map.json"), Json.write(map, true));
    }
}
