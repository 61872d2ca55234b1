package jprune.cli;

import static jprune.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jprune.nn.io.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lm train} as a user meets it: a tiny run on a text file, reusing its tokenizer, and every bad flag refused. */
class LmTrainCliTest {
    @TempDir static Path tmp;
    static Path text;

    @BeforeAll
    static void someText() throws Exception {
        text = tmp.resolve("text.txt");
        StringBuilder b = new StringBuilder();
        String[] words = {"the", "jury", "said", "county", "election", "city", "evidence", "report", "court", "primary"};
        for (int i = 0; i < 600; i++) b.append(words[i % 10]).append(' ').append(words[(i * 7) % 10]).append(' ').append(words[(i * 3 + 1) % 10]).append(".\n");
        Files.writeString(text, b.toString());
    }

    private static String[] tiny(Path out, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of("lm", "train", "--text", text.toString(), "--arch", "llama", "--layers", "1", "--dim", "16",
                "--heads", "2", "--kv-heads", "1", "--seqlen", "16", "--batch", "2", "--steps", "4", "--eval-every", "2", "--eval-windows", "2",
                "--threads", "1", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void trainsWritesTheLayoutAndReusesItsTokenizer() throws Exception {
        Path out = tmp.resolve("m1");
        CliTest.Run r = run(tiny(out, "--vocab", "300"));
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "metrics.json"))
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        Map<String, Object> m = Json.parseObject(Files.readString(out.resolve("metrics.json")));
        for (String key : List.of("parameters", "tokens_per_second", "train_seconds", "seconds", "history", "test_perplexity", "final_val_loss"))
            assertTrue(m.containsKey(key), key);
        assertEquals(2, ((List<?>) m.get("history")).size());
        assertEquals(300L, m.get("vocab"));
        double ppl = ((Number) m.get("test_perplexity")).doubleValue();
        assertTrue(ppl > 1 && ppl < 300, "perplexity " + ppl);
        assertTrue(r.out().contains("test perplexity"), r.out());

        // demo lm reuses a trained model and reports decoding warm, beside the cold sample's speed
        Path demo = tmp.resolve("demo");
        Files.createDirectories(demo.resolve("lm"));
        copyDir(out, demo.resolve("lm/model"));
        CliTest.Run d = run("demo", "lm", "--out", demo.toString(), "--threads", "1");
        assertEquals(0, d.code(), d.err());
        assertTrue(d.err().contains("reusing the language model"), d.err());
        assertTrue(d.out().matches("(?s).*decoding \\(batch 1, KV cache\\): [0-9,]+ tokens/s warm \\(median of 9 rounds of 1[0-9] tokens.*"), d.out());
        assertTrue(d.out().contains("the sample above: "), d.out());

        Path again = tmp.resolve("m2");
        CliTest.Run r2 = run(tiny(again, "--tokenizer", out.toString()));
        assertEquals(0, r2.code(), r2.err());
        assertEquals(Files.readString(out.resolve("tokenizer.json")), Files.readString(again.resolve("tokenizer.json")));
        // same seed, same tokens, same threads: the same model
        assertEquals(-1L, Files.mismatch(out.resolve("model.safetensors"), again.resolve("model.safetensors")));
    }

    private static void copyDir(Path from, Path to) throws java.io.IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
    }

    @Test
    void badFlagsExitTwoNamingTheFlag() {
        Path out = tmp.resolve("bad");
        Map<String, String[]> cases = Map.of(
                "--arch", tiny(out, "--arch", "bert"),
                "--heads", tiny(out, "--heads", "3"),
                "--kv-heads", tiny(out, "--kv-heads", "3", "--heads", "2"),
                "--vocab", tiny(out, "--vocab", "100"),
                "--warmup", tiny(out, "--warmup", "9"),
                "--steps", tiny(out, "--steps", "0"),
                "--lr", tiny(out, "--lr", "0"),
                "--text", new String[] {"lm", "train", "--text", tmp.resolve("missing.txt").toString(), "--out", out.toString()},
                "--threads", tiny(out, "--threads", "0"));
        for (var e : cases.entrySet()) {
            CliTest.Run r = run(e.getValue());
            assertEquals(2, r.code(), e.getKey() + ": " + r.err());
            assertTrue(r.err().contains(e.getKey()), e.getKey() + ": " + r.err());
        }
        CliTest.Run both = run(tiny(out, "--vocab", "300", "--tokenizer", tmp.toString()));
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().contains("--vocab"), both.err());
        assertTrue(!Files.exists(out), "nothing written on a usage error");
    }
}
