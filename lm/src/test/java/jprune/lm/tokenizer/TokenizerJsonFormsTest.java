package jprune.lm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.io.Json;
import org.junit.jupiter.api.Test;

/**
 * The older tokenizer.json that GPT-2's repository has (merges as "a b" strings, empty subword
 * prefix and suffix, ByteLevel without use_regex, the end token normalized) reads to the same
 * tokenizer as the vocab.json + merges.txt pair.
 */
class TokenizerJsonFormsTest {
    @Test
    void oldGpt2FormMatchesThePair() throws Exception {
        Tokenizer pair = Tokenizers.load(Repo.root().resolve("bin/peers/tokenizers/gpt2-pair"));
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("dropout", null);
        model.put("unk_token", null);
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int id = 0; id < pair.model().size(); id++) vocab.put(pair.model().token(id), id);
        model.put("vocab", vocab);
        List<Object> merges = new ArrayList<>();
        for (String[] m : pair.model().merges()) merges.add(m[0] + " " + m[1]);
        model.put("merges", merges);
        int eot = pair.tokenId("<|endoftext|>");
        String json = "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": [{\"id\": " + eot
                + ", \"special\": true, \"content\": \"<|endoftext|>\", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, "
                + "\"normalized\": true}], \"normalizer\": null, "
                + "\"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true}, "
                + "\"post_processor\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": false}, "
                + "\"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true}, \"model\": "
                + Json.write(model, false) + "}";
        Tokenizer old = TokenizerJsonReader.parse(json);
        assertEquals(pair.vocabSize(), old.vocabSize());
        for (String s : List.of("Hello world<|endoftext|> It's 2024!\n\n\tdone", "  spaces   and\r\nCRLF", "日本語 😀 naïve")) {
            assertArrayEquals(pair.encode(s), old.encode(s), s);
            assertArrayEquals(pair.encode(s, true), old.encode(s, true), s);
        }
    }
}
