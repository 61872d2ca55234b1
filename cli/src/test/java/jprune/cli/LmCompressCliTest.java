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

/**
 * {@code compress} on a language model as a user meets it: a 2:4-pruned model packed fp32 and int8,
 * then evaluated, generated from and benchmarked against its source from the compressed files; and
 * the flags that make no sense for it rejected.
 */
class LmCompressCliTest {
    @TempDir static Path tmp;
    static Path model, pruned, text;

    @BeforeAll
    static void prunedModel() throws Exception {
        model = TinyLm.model(tmp);
        text = TinyLm.text(tmp, 30);
        pruned = tmp.resolve("pruned");
        CliTest.Run r = run("lm", "prune", "--model", model.toString(), "--method", "magnitude", "--pattern", "2:4", "--out", pruned.toString());
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void packedModelsRunEveryLmCommand() throws Exception {
        double fp32Perplexity = 0;
        for (String quantize : List.of("none", "int8")) {
            Path out = tmp.resolve("c-" + quantize);
            CliTest.Run r = run("compress", "--from", pruned.toString(), "--format", "2:4", "--quantize", quantize, "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            Map<String, Object> m = Json.parseObject(Files.readString(out.resolve("metrics.json")));
            for (String key : List.of("format", "quantize", "dense_bytes", "compressed_bytes", "block_dense_bytes", "block_bytes",
                    "block_compression_ratio", "check_logit_relative_error", "layers"))
                assertTrue(m.containsKey(key), key);
            assertEquals(14, ((List<?>) m.get("layers")).size());
            double ratio = ((Number) m.get("block_compression_ratio")).doubleValue();
            // BF16 weights: 2:4 keeps half the values at 4 bytes (fp32) or 1 byte (+ a scale per row) plus half a byte of positions each
            if (quantize.equals("none")) assertEquals(2 * 2.0 / (4 + 0.5), ratio, 1e-9, "fp32 2:4 against BF16 dense");
            else assertTrue(ratio > 2.2, "int8 2:4 against BF16 dense (a 4-byte scale per row of 32 to 48 weights costs a tenth): " + ratio);
            double err = ((Number) m.get("check_logit_relative_error")).doubleValue();
            assertTrue(quantize.equals("none") ? err < 1e-5 : err < 0.05, "logits of the written model: " + err);
            assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));

            Path eval = tmp.resolve("eval-" + quantize);
            r = run("lm", "eval", "--model", out.toString(), "--text", text.toString(), "--seqlen", "32", "--out", eval.toString());
            assertEquals(0, r.code(), r.err());
            double ppl = ((Number) Json.parseObject(Files.readString(eval.resolve("metrics.json"))).get("perplexity")).doubleValue();
            if (quantize.equals("none")) fp32Perplexity = ppl;
            else assertEquals(fp32Perplexity, ppl, 0.02 * fp32Perplexity, "int8 perplexity near the fp32 one");

            r = run("lm", "generate", "--model", out.toString(), "--prompt", "The jury", "--max-new-tokens", "5");
            assertEquals(0, r.code(), r.err());

            Path bench = tmp.resolve("bench-" + quantize);
            r = run("lm", "bench", "--model", out.toString(), "--compare", pruned.toString(), "--prompt-tokens", "8", "--decode-tokens", "4",
                    "--repeats", "2", "--skip-limits", "--out", bench.toString());
            assertEquals(0, r.code(), r.err());
            Map<String, Object> b = Json.parseObject(Files.readString(bench.resolve("metrics.json")));
            for (String key : List.of("decode_block_tokens_per_second", "decode_block_speedup", "decode_block_speedup_min", "decode_block_speedup_max",
                    "decode_speedup", "compare"))
                assertTrue(b.containsKey(key), key);
        }
    }

    @Test
    void badRequestsFailNamingTheFlag() throws Exception {
        String[][] cases = {
                {"--from", model.toString(), "--format", "2:4"},                    // the dense model is not 2:4 sparse
                {"--from", pruned.toString(), "--quantize", "kmeans"},
                {"--from", pruned.toString(), "--format", "zip"},
                {"--from", pruned.toString(), "--format", "csr", "--layers", "("},
                {"--from", pruned.toString(), "--format", "csr", "--layers", "nothing-matches"},
                {"--from", pruned.toString(), "--format", "csr", "--budget-ms", "0"},
        };
        String[] expected = {"2:4", "--quantize", "--format", "--layers", "matches no projection", "--budget-ms"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[cases[i].length + 3];
            args[0] = "compress";
            System.arraycopy(cases[i], 0, args, 1, cases[i].length);
            args[args.length - 2] = "--out";
            args[args.length - 1] = tmp.resolve("bad" + i).toString();
            CliTest.Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", cases[i]) + ": " + r.err());
            assertTrue(r.err().contains(expected[i]), "expected '" + expected[i] + "' in: " + r.err());
            assertTrue(!Files.exists(tmp.resolve("bad" + i).resolve("model.safetensors")), "nothing written for a bad request");
        }
        CliTest.Run same = run("compress", "--from", pruned.toString(), "--format", "csr", "--out", pruned.toString());
        assertEquals(2, same.code(), same.err());
        assertTrue(same.err().contains("--out"), same.err());
        Path packed = tmp.resolve("packed-csr");
        assertEquals(0, run("compress", "--from", pruned.toString(), "--format", "csr", "--out", packed.toString()).code());
        CliTest.Run prunePacked = run("lm", "prune", "--model", packed.toString(), "--method", "magnitude", "--sparsity", "0.5", "--out", tmp.resolve("pp").toString());
        assertEquals(2, prunePacked.code(), prunePacked.err());
        assertTrue(prunePacked.err().contains("compressed model"), prunePacked.err());
        CliTest.Run again = run("compress", "--from", packed.toString(), "--format", "csr", "--out", tmp.resolve("again").toString());
        assertEquals(2, again.code(), again.err());
        assertTrue(again.err().contains("already compressed"), again.err());
        CliTest.Run noBase = run("lm", "bench", "--model", packed.toString(), "--compare", tmp.resolve("no-such-model").toString(), "--skip-limits");
        assertEquals(2, noBase.code(), noBase.err());
        assertTrue(noBase.err().contains("--compare"), noBase.err());
        // a packed model cut short fails at open, naming the file
        Path cut = tmp.resolve("cut");
        Files.createDirectories(cut);
        for (Path f : List.of(packed.resolve("config.json"), packed.resolve("tokenizer.json"))) Files.copy(f, cut.resolve(f.getFileName()));
        byte[] all = Files.readAllBytes(packed.resolve("model.safetensors"));
        Files.write(cut.resolve("model.safetensors"), java.util.Arrays.copyOf(all, all.length - 100));
        CliTest.Run truncated = run("lm", "eval", "--model", cut.toString(), "--text", text.toString(), "--seqlen", "32");
        assertTrue(truncated.code() != 0, truncated.err());
        assertTrue(truncated.err().contains("truncated") && truncated.err().contains("model.safetensors"), truncated.err());
        CliTest.Run head = run("compress", "--from", tmp.resolve("no-such-run").toString(), "--int8-head", "--out", tmp.resolve("x").toString());
        assertTrue(head.code() != 0, head.err());
    }
}
