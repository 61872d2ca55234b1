package jprune.cli;

import static jprune.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jprune.nn.io.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lm sweep}: every method × target pruned as lm prune would, the dense model evaluated once, a summary and a report. */
class LmSweepCliTest {
    @TempDir static Path tmp;
    static Path model, text;

    @BeforeAll
    static void tinyModel() throws Exception {
        model = TinyLm.model(tmp);
        text = TinyLm.text(tmp, 30);
    }

    @Test
    void everyPairIsPrunedAsLmPruneWouldAndSummarised() throws Exception {
        Path out = tmp.resolve("sweep");
        CliTest.Run r = run("lm", "sweep", "--model", model.toString(), "--methods", "magnitude,sparsegpt", "--targets", "0.3,0.6,2:4",
                "--calib", text.toString(), "--nsamples", "4", "--seqlen", "24", "--eval", text.toString(), "--eval-seqlen", "32", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> m = Json.parseObject(Files.readString(out.resolve("metrics.json")));
        List<?> runs = (List<?>) m.get("runs");
        assertEquals(6, runs.size());
        double dense = ((Number) m.get("dense_perplexity")).doubleValue();
        for (Object o : runs) {
            Map<?, ?> run = (Map<?, ?>) o;
            double ppl = ((Number) run.get("perplexity")).doubleValue();
            assertEquals(ppl / dense - 1, ((Number) run.get("perplexity_change")).doubleValue(), 1e-12);
            Map<String, Object> own = Json.parseObject(Files.readString(out.resolve((String) run.get("dir")).resolve("metrics.json")));
            assertEquals(ppl, ((Number) own.get("perplexity")).doubleValue());
            if (!run.get("dir").equals("magnitude-0.3")) assertNull(own.get("dense_perplexity"), "the dense model is evaluated once");
        }
        // a run equals the same lm prune on its own, files and perplexity
        Path alone = tmp.resolve("alone");
        r = run("lm", "prune", "--model", model.toString(), "--method", "sparsegpt", "--pattern", "2:4", "--calib", text.toString(),
                "--nsamples", "4", "--seqlen", "24", "--eval", text.toString(), "--eval-seqlen", "32", "--out", alone.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(-1, Files.mismatch(alone.resolve("model.safetensors"), out.resolve("sparsegpt-2-4").resolve("model.safetensors")));
        Map<String, Object> a = Json.parseObject(Files.readString(alone.resolve("metrics.json")));
        assertEquals(((Number) a.get("dense_perplexity")).doubleValue(), dense);
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("sparsegpt") && html.contains("2:4") && html.contains("<svg"), "report with table and chart");
    }

    @Test
    void badListsFailNamingTheFlag() {
        // Checked before the first run, not when a later one gets to them.
        String[][] cases = {{"--methods", "magnitude,prune-harder"}, {"--targets", "0.5,1.5"}, {"--targets", "5:4"}, {"--targets", "half"},
            {"--targets", "0:4"}, {"--calib", tmp.resolve("none.txt").toString()}, {"--eval", "brown:tst"}, {"--seqlen", "65"},
            {"--eval-seqlen", "1"}, {"--nsamples", "0"}};
        String[] expected = {"--methods", "--targets", "--targets", "--targets", "--targets", "--calib: no file", "--eval: unknown split",
            "--seqlen must be in [2, 64]", "--eval-seqlen must be in [2, 64]", "--nsamples must be in [1, "};
        for (int i = 0; i < cases.length; i++) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("lm", "sweep", "--model", model.toString(),
                    "--calib", text.toString(), "--eval", text.toString(), "--out", tmp.resolve("bad" + i).toString()));
            int given = args.indexOf(cases[i][0]);
            if (given >= 0) args.set(given + 1, cases[i][1]);
            else args.addAll(java.util.List.of(cases[i][0], cases[i][1]));
            CliTest.Run r = run(args.toArray(String[]::new));
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(expected[i]), r.err());
            assertFalse(Files.exists(tmp.resolve("bad" + i)), "nothing written: " + cases[i][1]);
        }
    }
}
