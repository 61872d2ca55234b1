package jprune.cli;

import static jprune.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import jprune.nn.io.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code lm} commands as a user meets them, on a tiny random model with a real tokenizer. */
class LmCliTest {
    @TempDir static Path tmp;
    static Path model, text;

    @BeforeAll
    static void tinyModel() throws Exception {
        model = TinyLm.model(tmp);
        text = TinyLm.text(tmp, 20);
    }

    @Test
    void helpOnEveryLmCommand() {
        for (String cmd : List.of("lm", "lm eval", "lm prune", "lm generate", "lm bench", "lm init", "lm train", "demo")) {
            CliTest.Run r = run((cmd + " --help").split(" "));
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().contains("Usage:"), r.out());
            // an unescaped % in a description makes picocli print warnings instead of the text
            assertTrue(!r.err().contains("WARN") && !r.out().contains("%n"), cmd + ": " + r.err());
        }
    }

    @Test
    void evalWritesThePerplexityMetrics() throws Exception {
        Path out = tmp.resolve("eval");
        CliTest.Run r = run("lm", "eval", "--model", model.toString(), "--text", text.toString(), "--seqlen", "32", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> m = Json.parseObject(Files.readString(out.resolve("metrics.json")));
        for (String key : List.of("perplexity", "tokens", "windows", "seqlen", "seconds", "tokens_per_second")) assertTrue(m.containsKey(key), key);
        assertEquals(32L, m.get("seqlen"));
        assertEquals((Long) m.get("windows") * 32, (long) (Long) m.get("tokens"));
        double ppl = ((Number) m.get("perplexity")).doubleValue();
        assertTrue(ppl > 1 && ppl < 1e5, "perplexity " + ppl);
        assertTrue(r.out().contains("perplexity"), r.out());
    }

    @Test
    void generateStreamsTextAndIsRepeatable() {
        CliTest.Run a = run("lm", "generate", "--model", model.toString(), "--prompt", "The jury", "--max-new-tokens", "8", "--temperature", "0.9", "--seed", "4");
        CliTest.Run b = run("lm", "generate", "--model", model.toString(), "--prompt", "The jury", "--max-new-tokens", "8", "--temperature", "0.9", "--seed", "4");
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().startsWith("The jury"), a.out());
        assertEquals(a.out(), b.out());
        assertTrue(a.err().contains("tokens/s"), a.err());
    }

    @Test
    void benchReportsPrefillAndDecode() throws Exception {
        Path out = tmp.resolve("bench");
        CliTest.Run r = run("lm", "bench", "--model", model.toString(), "--prompt-tokens", "16", "--decode-tokens", "4", "--repeats", "2", "--skip-limits",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> m = Json.parseObject(Files.readString(out.resolve("metrics.json")));
        assertTrue(((Number) m.get("decode_tokens_per_second")).doubleValue() > 0);
        assertTrue(((Number) m.get("prefill_tokens_per_second")).doubleValue() > 0);
    }

    @Test
    void badInputIsOneLineWithTheRightExitCode() throws Exception {
        CliTest.Run r = run("lm", "eval", "--model", tmp.resolve("absent").toString(), "--text", text.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--model"), r.err());
        r = run("lm", "eval", "--model", model.toString(), "--text", text.toString(), "--seqlen", "65");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--seqlen must be in [2, 64]"), r.err());
        Path small = tmp.resolve("small.txt");
        Files.writeString(small, "Too short.");
        r = run("lm", "eval", "--model", model.toString(), "--text", small.toString(), "--seqlen", "32");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("fewer than one window"), r.err());
        r = run("lm", "init", "--preset", "gpt5", "--out", tmp.resolve("x").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--preset must be one of"), r.err());
        r = run("lm", "generate", "--model", model.toString(), "--prompt", "x", "--temperature", "-1");
        assertEquals(2, r.code());
        r = run("lm", "eval", "--model", model.toString(), "--text", text.toString(), "--split", "train");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--split picks a Brown corpus text"), r.err());
        r = run("eval", "--from", model.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("is a Hugging Face language model (it has config.json)"), r.err());
        r = run("compress", "--from", model.toString(), "--bits", "4", "--out", tmp.resolve("z").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--bits applies to jprune's own image models"), r.err());
        Path noTokenizer = Files.createDirectories(tmp.resolve("no-tokenizer"));
        r = run("lm", "init", "--preset", "gpt2-124m", "--tokenizer-from", noTokenizer.toString(), "--out", tmp.resolve("y").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--tokenizer-from") && r.err().contains("no tokenizer.json"), r.err());
        assertFalse(Files.exists(tmp.resolve("y")), "nothing written");

        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) Files.copy(model.resolve(f), broken.resolve(f));
        try (FileChannel ch = FileChannel.open(broken.resolve("model.safetensors"), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        r = run("lm", "eval", "--model", broken.toString(), "--text", text.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("truncated") && r.err().strip().lines().count() == 1, r.err());
        Path missingText = tmp.resolve("nope.txt");
        r = run("lm", "eval", "--model", model.toString(), "--text", missingText.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nope.txt"), r.err());
    }
}
