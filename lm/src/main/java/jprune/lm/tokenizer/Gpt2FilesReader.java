package jprune.lm.tokenizer;

import static jprune.lm.tokenizer.JsonFields.integer;
import static jprune.lm.tokenizer.JsonFields.object;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.io.Json;
import jprune.nn.io.JsonException;

/**
 * Reads the older GPT-2 pair: {@code vocab.json} (token → id) and {@code merges.txt} (one "a b"
 * merge a line in rank order, an optional first line "#version: ..."), as GPT-2's tokenizer
 * reads them: GPT-2 pre-tokenizer, no prefix space, ByteLevel decoding. The added tokens come
 * from {@code tokenizer_config.json}'s "added_tokens_decoder" when that file is beside them;
 * otherwise {@code <|endoftext|>} is the one special token, if the vocabulary has it.
 */
public final class Gpt2FilesReader {
    public static final String END_OF_TEXT = "<|endoftext|>";

    private Gpt2FilesReader() {}

    public static Tokenizer read(Path vocabJson, Path mergesTxt) throws IOException {
        Map<String, Object> vocabObj;
        try {
            vocabObj = Json.parseObject(TokenizerJsonReader.readUtf8(vocabJson));
        } catch (JsonException e) {
            throw new TokenizerFormatException(vocabJson + ": " + e.getMessage(), e);
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        try {
            for (var e : vocabObj.entrySet()) vocab.put(e.getKey(), integer(e.getValue(), BpeModel.quote(e.getKey())));
        } catch (TokenizerFormatException e) {
            throw new TokenizerFormatException(vocabJson + ": " + e.getMessage(), e);
        }
        List<String[]> merges = new ArrayList<>();
        String[] lines = TokenizerJsonReader.readUtf8(mergesTxt).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) continue;
            try {
                merges.add(TokenizerJsonReader.splitMerge(line, "line " + (i + 1)));
            } catch (TokenizerFormatException e) {
                throw new TokenizerFormatException(mergesTxt + ": " + e.getMessage(), e);
            }
        }
        BpeModel model;
        try {
            model = new BpeModel(vocab, merges, false, null, false);
        } catch (TokenizerFormatException e) {
            throw new TokenizerFormatException(vocabJson.getFileName() + " + " + mergesTxt + ": " + e.getMessage(), e);
        }
        return new Tokenizer(model, PreTokenizer.gpt2(), addedTokens(vocabJson.resolveSibling("tokenizer_config.json"), vocab),
                PostProcessor.byteLevel());
    }

    private static List<AddedToken> addedTokens(Path config, Map<String, Integer> vocab) throws IOException {
        List<AddedToken> added = new ArrayList<>();
        if (Files.isRegularFile(config)) {
            try {
                Map<String, Object> root = Json.parseObject(TokenizerJsonReader.readUtf8(config));
                if (root.get("added_tokens_decoder") != null) {
                    Map<String, Object> dec = object(root.get("added_tokens_decoder"), "added_tokens_decoder");
                    for (var e : dec.entrySet()) {
                        String path = "added_tokens_decoder[" + BpeModel.quote(e.getKey()) + "]";
                        int id;
                        try {
                            id = Integer.parseInt(e.getKey());
                        } catch (NumberFormatException nfe) {
                            throw JsonFields.error(path, "the key must be a token id");
                        }
                        Map<String, Object> entry = new LinkedHashMap<>(object(e.getValue(), path));
                        entry.put("id", (long) id);
                        added.add(TokenizerJsonReader.addedToken(entry, path));
                    }
                    return added;
                }
            } catch (JsonException | TokenizerFormatException e) {
                throw new TokenizerFormatException(config + ": " + e.getMessage(), e);
            }
        }
        Integer eot = vocab.get(END_OF_TEXT);
        if (eot != null) added.add(AddedToken.special(eot, END_OF_TEXT));
        return added;
    }
}
