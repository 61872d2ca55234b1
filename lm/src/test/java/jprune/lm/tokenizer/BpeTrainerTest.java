package jprune.lm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jprune.nn.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {
    private static final String EOT = "<|endoftext|>";

    private static List<String> merges(Tokenizer t) {
        return t.model().merges().stream().map(p -> p[0] + " " + p[1]).toList();
    }

    @Test
    void handCheckedMergesAndTieBreak() {
        // Pre-tokens "ab", " ab" ×2, " cd": (a,b) 3 times, then (Ġ,ab) twice, then (c,d) and (Ġ,c) once each:
        // the tie goes to the smaller first id, and 'c' (U+0063) sorts before 'Ġ' (U+0120) in the alphabet.
        Tokenizer t = new BpeTrainer(257 + 3, 1, List.of(EOT), PreTokenizer.GPT2_PATTERN).train("ab ab ab cd");
        assertEquals(List.of("a b", "Ġ ab", "c d"), merges(t));
        assertEquals(0, t.tokenId(EOT));
        assertEquals(1, t.tokenId("!"));
        assertEquals(257, t.tokenId("ab"));
        assertEquals(258, t.tokenId("Ġab"));
        assertEquals(259, t.tokenId("cd"));
        assertEquals(260, t.vocabSize());
        assertArrayEquals(new int[] {257, 258, 0, t.tokenId("Ġ"), 259}, t.encode("ab ab<|endoftext|> cd"));
    }

    @Test
    void minFrequencyStopsRarePairs() {
        Tokenizer t = new BpeTrainer(1000, 2, List.of(), PreTokenizer.GPT2_PATTERN).train("ab ab ab cd");
        assertEquals(List.of("a b", "Ġ ab"), merges(t));
    }

    @Test
    void specialTokensInTheTextAreNotLearned() {
        Tokenizer t = new BpeTrainer(400, 1, List.of(EOT), PreTokenizer.GPT2_PATTERN).train("x<|endoftext|>".repeat(50));
        assertEquals(List.of(), merges(t));
    }

    @Test
    void sameInputSameFiles(@TempDir Path dir) throws Exception {
        Random r = new Random(3);
        List<String> docs = new ArrayList<>();
        String[] words = {"the", "cat", "sat", "on", "mat", "It's", "DON'T", "42", "1234567", "naïve", "日本語", "😀", "\t", "\r\n", "  "};
        for (int d = 0; d < 40; d++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 200; i++) sb.append(words[r.nextInt(words.length)]).append(r.nextInt(4) == 0 ? "" : " ");
            docs.add(sb.toString());
        }
        for (String pattern : List.of(PreTokenizer.GPT2_PATTERN, PreTokenizer.LLAMA3_PATTERN)) {
            BpeTrainer trainer = new BpeTrainer(600, 2, List.of(EOT, "<pad>"), pattern);
            Tokenizer a = trainer.train(docs);
            Tokenizer b = trainer.train(docs);
            String ja = Json.write(TokenizerWriter.tokenizerJson(a), true);
            assertEquals(ja, Json.write(TokenizerWriter.tokenizerJson(b), true));
            // Written and read back, in both layouts, it gives the same ids.
            TokenizerWriter.writeAll(a, dir, 1024);
            Tokenizer fromJson = Tokenizers.load(dir);
            Files.delete(dir.resolve("tokenizer.json"));
            for (String doc : docs) {
                assertArrayEquals(a.encode(doc), fromJson.encode(doc));
                assertEquals(doc, a.decode(a.encode(doc)));
            }
            if (pattern.equals(PreTokenizer.GPT2_PATTERN)) {
                Tokenizer fromPair = Tokenizers.load(dir);
                assertEquals(a.specialTokens(), fromPair.specialTokens());
                for (String doc : docs) assertArrayEquals(a.encode(doc + EOT), fromPair.encode(doc + EOT));
            }
        }
    }

    @Test
    void writesTheTransformersConfig(@TempDir Path dir) throws Exception {
        Tokenizer t = new BpeTrainer(300, 1, List.of(EOT), PreTokenizer.GPT2_PATTERN).train("hello hello world");
        TokenizerWriter.writeAll(t, dir, 1024);
        var config = Json.parseObject(Files.readString(dir.resolve("tokenizer_config.json")));
        assertEquals("GPT2Tokenizer", config.get("tokenizer_class"));
        assertEquals(EOT, config.get("bos_token"));
        assertEquals(EOT, config.get("eos_token"));
        assertEquals(EOT, config.get("unk_token"));
        assertEquals(1024L, config.get("model_max_length"));
        assertEquals(false, config.get("clean_up_tokenization_spaces"));
        assertTrue(Files.readString(dir.resolve("merges.txt")).startsWith("#version: 0.2\n"));
        assertEquals(0L, Json.parseObject(Files.readString(dir.resolve("vocab.json"))).get(EOT));
    }

    @Test
    void badSettingsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(200, 1, List.of(EOT), PreTokenizer.GPT2_PATTERN));
        assertEquals("vocab size 200 is too small: it must hold the 1 special tokens and the 256 byte tokens (at least 257)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(300, 0, List.of(), PreTokenizer.GPT2_PATTERN));
    }
}
