package jprune.lm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jprune.nn.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad tokenizer files fail with one line naming the file, the component and what is supported. */
class TokenizerLoaderErrorsTest {
    @TempDir
    Path dir;

    private String good() throws Exception {
        Tokenizer t = new BpeTrainer(270, 1, List.of("<|endoftext|>"), PreTokenizer.GPT2_PATTERN).train("hello hello");
        return Json.write(TokenizerWriter.tokenizerJson(t), true);
    }

    private String loadError(String json) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), json);
        var e = assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + ": "), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
        return e.getMessage().substring((dir.resolve("tokenizer.json") + ": ").length());
    }

    @Test
    void missingFiles() {
        var e = assertThrows(NoSuchFileException.class, () -> Tokenizers.load(dir));
        assertTrue(e.getMessage().contains("no tokenizer.json, and no vocab.json + merges.txt pair"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> Tokenizers.load(dir.resolve("absent")));
    }

    @Test
    void malformedJson() throws Exception {
        assertTrue(loadError("{\"model\": ").startsWith("invalid JSON at character"));
    }

    @Test
    void unsupportedComponentsAreNamed() throws Exception {
        String g = good();
        assertEquals("model.type: WordPiece is not supported (only BPE: byte-level BPE as GPT-2 and Llama 3 use)",
                loadError(g.replace("\"type\": \"BPE\"", "\"type\": \"WordPiece\"")));
        assertEquals("normalizer: type Lowercase is not supported (null, NFC, NFD, NFKC, NFKD or a Sequence of them)",
                loadError(g.replace("\"normalizer\": null", "\"normalizer\": {\"type\": \"Lowercase\"}")));
        assertEquals("normalizer.normalizers[1]: type Strip is not supported (null, NFC, NFD, NFKC, NFKD or a Sequence of them)",
                loadError(g.replace("\"normalizer\": null", "\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}, {\"type\": \"Strip\"}]}")));
        assertEquals("pre_tokenizer: type Metaspace is not supported (ByteLevel, or a Sequence of Split and ByteLevel)",
                loadError(g.replace("\"pre_tokenizer\": {\n    \"type\": \"ByteLevel\"", "\"pre_tokenizer\": {\n    \"type\": \"Metaspace\"")));
        assertEquals("model.byte_fallback: true is not supported (only false: a byte-level vocabulary already covers every byte)",
                loadError(g.replace("\"byte_fallback\": false", "\"byte_fallback\": true")));
        assertEquals("model.dropout: 0.1 is not supported (only null or 0: BPE dropout is for training, not for encoding)",
                loadError(g.replace("\"dropout\": null", "\"dropout\": 0.1")));
        assertEquals("model.continuing_subword_prefix: \"##\" is not supported (only null: byte-level BPE marks no word boundaries)",
                loadError(g.replace("\"continuing_subword_prefix\": null", "\"continuing_subword_prefix\": \"##\"")));
        assertEquals("decoder: type WordPiece is not supported (only ByteLevel)",
                loadError(g.replace("\"decoder\": {\n    \"type\": \"ByteLevel\"", "\"decoder\": {\n    \"type\": \"WordPiece\"")));
        assertEquals("truncation: not supported (must be null); cut or pad the ids after encoding",
                loadError(g.replace("\"truncation\": null", "\"truncation\": {\"max_length\": 512}")));
    }

    @Test
    void splitBehaviourAndPattern() throws Exception {
        Tokenizer llama = new Tokenizer(new BpeTrainer(270, 1, List.of(), PreTokenizer.LLAMA3_PATTERN).train("hi").model(),
                PreTokenizer.llama3(), List.of(), PostProcessor.none());
        String g = Json.write(TokenizerWriter.tokenizerJson(llama), true);
        assertEquals("pre_tokenizer.pretokenizers[0].behavior: MergedWithPrevious is not supported (Isolated or Removed)",
                loadError(g.replace("\"Isolated\"", "\"MergedWithPrevious\"")));
        assertTrue(loadError(g.replace("(?i:", "(?i")).startsWith("pre_tokenizer.pretokenizers[0]: pre_tokenizer Split pattern"));
        assertTrue(loadError(g.replace("\\\\p{L}+|", "[[:alpha:]]+|")).contains("POSIX bracket classes"));
    }

    @Test
    void mergeNamingAMissingToken() throws Exception {
        String g = good();
        @SuppressWarnings("unchecked")
        Map<String, Object> root = Json.parseObject(g);
        @SuppressWarnings("unchecked")
        List<Object> merges = (List<Object>) ((Map<String, Object>) root.get("model")).get("merges");
        merges.add(List.of("zz", "q"));
        assertEquals("model: merge " + merges.size() + " (\"zz\" \"q\") names token \"zz\", which is not in the vocabulary",
                loadError(Json.write(root, true)));
    }

    @Test
    void legacyPairErrors() throws Exception {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\na c\n");
        var e = assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(dir));
        assertTrue(e.getMessage().endsWith("merge 2 (\"a\" \"c\") names token \"c\", which is not in the vocabulary"), e.getMessage());
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b c\n");
        e = assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(dir));
        assertEquals(dir.resolve("merges.txt") + ": line 2: expected two tokens separated by one space, got \"a b c\"", e.getMessage());
        Files.writeString(dir.resolve("merges.txt"), "a b\n");
        Files.writeString(dir.resolve("vocab.json"), "[1, 2]");
        e = assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(dir));
        assertEquals(dir.resolve("vocab.json") + ": expected a JSON object, got an array", e.getMessage());
    }
}
