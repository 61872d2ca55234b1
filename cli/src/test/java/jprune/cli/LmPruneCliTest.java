package jprune.cli;

import static jprune.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.hf.MappedTensor;
import jprune.nn.io.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lm prune} as a user meets it: every method, the files it writes, a recipe rerun, and bad input. */
class LmPruneCliTest {
    @TempDir static Path tmp;
    static Path model, text;

    @BeforeAll
    static void tinyModel() throws Exception {
        model = TinyLm.model(tmp);
        text = TinyLm.text(tmp, 30);
    }

    @Test
    void everyMethodWritesACheckpointWithMetricsAndARecipeThatReproducesIt() throws Exception {
        for (String method : List.of("magnitude", "wanda", "sparsegpt")) {
            for (String[] target : List.of(new String[] {"--sparsity", "0.5"}, new String[] {"--pattern", "2:4"})) {
                Path out = tmp.resolve(method + target[1].replace(':', '-'));
                CliTest.Run r = run("lm", "prune", "--model", model.toString(), "--method", method, target[0], target[1], "--calib", text.toString(),
                        "--nsamples", "4", "--seqlen", "24", "--seed", "3", "--eval", text.toString(), "--eval-seqlen", "32", "--out", out.toString());
                assertEquals(0, r.code(), r.err());
                Map<String, Object> m = Json.parseObject(Files.readString(out.resolve("metrics.json")));
                for (String key : List.of("method", "sparsity", "pattern", "nsamples", "seqlen", "dense_perplexity", "perplexity", "seconds",
                        "peak_heap_bytes", "layers")) {
                    assertTrue(m.containsKey(key), method + ": " + key);
                }
                assertEquals(0.5, ((Number) m.get("sparsity")).doubleValue(), 1e-9, method);
                assertEquals(4L, m.get("nsamples"));
                assertEquals(24L, m.get("seqlen"));
                long evalTokens = (Long) m.get("eval_tokens");
                assertTrue(evalTokens > 0 && evalTokens % 32 == 0, "whole windows of --eval-seqlen 32: " + evalTokens);
                assertTrue(Files.readString(out.resolve("report.html")).contains(String.format(java.util.Locale.ROOT, "(%,d tokens)", evalTokens)), "the report says how much was scored");
                List<?> layers = (List<?>) m.get("layers");
                assertEquals(14, layers.size(), "7 projections in each of 2 blocks");
                for (Object o : layers) {
                    Map<?, ?> l = (Map<?, ?>) o;
                    double err = ((Number) l.get("reconstruction_error")).doubleValue();
                    assertTrue(err > 0 && err < 1, l.get("name") + ": reconstruction error " + err);
                }
                try (HfCheckpoint src = HfCheckpoint.open(model); HfCheckpoint dst = HfCheckpoint.open(out)) {
                    assertEquals(src.tensors().keySet(), dst.tensors().keySet());
                    for (MappedTensor t : src.tensors().values()) {
                        MappedTensor u = dst.tensor(t.name());
                        assertEquals(t.storedDtype(), u.storedDtype(), t.name());
                        assertArrayEquals(t.shape(), u.shape(), t.name());
                        boolean pruned = t.name().contains("_proj.weight");
                        if (pruned) assertHalfZero(u, target[0].equals("--pattern"));
                        else assertEquals(-1, t.data().mismatch(u.data()), t.name() + " must be copied unchanged");
                    }
                }
                assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
                Path again = tmp.resolve(method + target[1].replace(':', '-') + "-again");
                r = run("lm", "prune", "--recipe", out.resolve("recipe.json").toString(), "--out", again.toString());
                assertEquals(0, r.code(), r.err());
                for (String f : List.of("model.safetensors", "calibration.json"))
                    assertEquals(-1, Files.mismatch(out.resolve(f), again.resolve(f)), method + ": the recipe reproduces " + f);
                if (!method.equals("magnitude")) {
                    Path fromJson = tmp.resolve(method + target[1].replace(':', '-') + "-json");
                    r = run("lm", "prune", "--model", model.toString(), "--method", method, target[0], target[1],
                            "--calib", out.resolve("calibration.json").toString(), "--out", fromJson.toString());
                    assertEquals(0, r.code(), r.err());
                    assertEquals(-1, Files.mismatch(out.resolve("model.safetensors"), fromJson.resolve("model.safetensors")),
                            method + ": the written calibration set reproduces the run");
                }
            }
        }
        assertNotEquals(-1, Files.mismatch(tmp.resolve("wanda0.5/model.safetensors"), tmp.resolve("sparsegpt0.5/model.safetensors")));
        Path noCalib = tmp.resolve("magnitude-no-calib");
        CliTest.Run r = run("lm", "prune", "--model", model.toString(), "--method", "magnitude", "--sparsity", "0.5", "--out", noCalib.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(-1, Files.mismatch(tmp.resolve("magnitude0.5/model.safetensors"), noCalib.resolve("model.safetensors")),
                "magnitude needs no calibration data and gives the same weights without it");
    }

    @Test
    void theThreadCountDoesNotChangeTheResult() throws Exception {
        for (String method : List.of("wanda", "sparsegpt")) {
            Path one = tmp.resolve(method + "-t1"), two = tmp.resolve(method + "-t2");
            for (Path out : List.of(one, two)) {
                CliTest.Run r = run("lm", "prune", "--model", model.toString(), "--method", method, "--sparsity", "0.6", "--calib", text.toString(),
                        "--nsamples", "3", "--seqlen", "40", "--threads", out == one ? "1" : "2", "--out", out.toString());
                assertEquals(0, r.code(), r.err());
            }
            assertEquals(-1, Files.mismatch(one.resolve("model.safetensors"), two.resolve("model.safetensors")), method + ": 1 and 2 threads differ");
        }
        jprune.tensor.Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** Exactly half the weights are zero; for 2:4, exactly two in every group of four inputs of a row. */
    private static void assertHalfZero(MappedTensor t, boolean twoOfFour) {
        int rows = (int) t.shape()[0], cols = (int) t.shape()[1];
        float[] v = t.toFloats();
        long zeros = 0;
        for (float x : v) if (x == 0) zeros++;
        assertEquals(v.length / 2, zeros, t.name());
        if (!twoOfFour) return;
        for (int r = 0; r < rows; r++)
            for (int g = 0; g < cols; g += 4) {
                int z = 0;
                for (int j = 0; j < 4; j++) if (v[r * cols + g + j] == 0) z++;
                assertEquals(2, z, t.name() + " row " + r + " group " + g);
            }
    }

    @Test
    void badInputNamesTheFlag() throws Exception {
        String m = model.toString(), t = text.toString(), o = tmp.resolve("bad").toString();
        Object[][] cases = {
            {new String[] {"--method", "wanda", "--sparsity", "1.5", "--calib", t}, "--sparsity must be in (0, 1)"},
            {new String[] {"--method", "wanda", "--sparsity", "0", "--calib", t}, "--sparsity must be in (0, 1)"},
            {new String[] {"--method", "wanda", "--pattern", "4:2", "--calib", t}, "--pattern N:M needs"},
            {new String[] {"--method", "wanda", "--pattern", "2:5", "--calib", t}, "does not divide the input width"},
            {new String[] {"--method", "wanda", "--pattern", "two:four", "--calib", t}, "--pattern must be N:M"},
            {new String[] {"--method", "wanda", "--sparsity", "0.5", "--pattern", "2:4", "--calib", t}, "exactly one of --sparsity"},
            {new String[] {"--method", "obs", "--sparsity", "0.5", "--calib", t}, "--method must be one of"},
            {new String[] {"--method", "wanda", "--sparsity", "0.5"}, "--calib is required"},
            {new String[] {"--method", "wanda", "--sparsity", "0.5", "--calib", t, "--layers", "attention"}, "--layers/--skip select no projection"},
            {new String[] {"--method", "wanda", "--sparsity", "0.5", "--calib", t, "--layers", "("}, "--layers: not a regular expression"},
            {new String[] {"--method", "wanda", "--sparsity", "0.5", "--calib", t, "--seqlen", "65"}, "--seqlen must be in [2, 64]"},
            {new String[] {"--method", "wanda", "--sparsity", "0.5", "--calib", tmp.resolve("none.txt").toString()}, "--calib: no file"},
            {new String[] {"--method", "sparsegpt", "--pattern", "2:4", "--calib", t, "--blocksize", "6"}, "--blocksize 6 must be a multiple of M"},
            {new String[] {"--method", "magnitude", "--pattern", "0:4"}, "--pattern N:M needs 1 <= N < M"},
            {new String[] {"--method", "magnitude", "--sparsity", "0.5", "--eval-seqlen", "8"}, "--eval-seqlen applies to --eval"},
            {new String[] {"--method", "wanda", "--sparsity", "0.5", "--calib", t, "--nsamples", "2147483647"}, "--nsamples must be in [1, 1048576]"},
        };
        for (Object[] c : cases) {
            String[] flags = (String[]) c[0];
            String[] args = new String[flags.length + 6];
            args[0] = "lm";
            args[1] = "prune";
            args[2] = "--model";
            args[3] = m;
            System.arraycopy(flags, 0, args, 4, flags.length);
            args[args.length - 2] = "--out";
            args[args.length - 1] = o;
            CliTest.Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", flags) + ": " + r.err());
            assertTrue(r.err().contains((String) c[1]) && r.err().strip().lines().count() == 1, String.join(" ", flags) + ": " + r.err());
        }
        Path few = tmp.resolve("few.txt");
        Files.writeString(few, "Too short.");
        CliTest.Run r = run("lm", "prune", "--model", m, "--method", "wanda", "--sparsity", "0.5", "--calib", few.toString(), "--seqlen", "32", "--out", o);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("fewer than one window of --seqlen 32"), r.err());
        Path badJson = tmp.resolve("bad.json");
        Files.writeString(badJson, "[[1, 2, 99999]]");
        r = run("lm", "prune", "--model", m, "--method", "wanda", "--sparsity", "0.5", "--calib", badJson.toString(), "--out", o);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("is not a token id in [0, 1501)"), r.err());
        r = run("lm", "prune", "--model", m, "--method", "magnitude", "--sparsity", "0.5", "--out", m);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--out must differ from --model"), r.err());
        // A directory that is not a checkpoint is not replaced (its files would be deleted), for any lm command writing one.
        Path notes = Files.createDirectories(tmp.resolve("notes"));
        Files.writeString(notes.resolve("mine.txt"), "mine");
        for (String[] c : List.of(new String[] {"lm", "prune", "--model", m, "--method", "magnitude", "--sparsity", "0.5", "--out", notes.toString()},
                new String[] {"lm", "prune", "--model", m, "--granularity", "blocks", "--blocks-to-remove", "1", "--out", notes.toString()},
                new String[] {"compress", "--from", m, "--format", "csr", "--out", notes.toString()},
                new String[] {"lm", "init", "--preset", "gpt2-124m", "--out", notes.toString()},
                new String[] {"lm", "train", "--text", few.toString(), "--out", notes.toString()})) {
            r = run(c);
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
            assertTrue(r.err().contains("--out: " + notes + " is not empty and holds no config.json"), r.err());
        }
        assertEquals("mine", Files.readString(notes.resolve("mine.txt")));
        // A recipe file is held to the same types as the flags, each wrong field named.
        Object[][] recipes = {
            {"method", 7L, "field 'method' must be a string, got 7"},
            {"nsamples", "four", "field 'nsamples' must be a whole number, got \"four\""},
            {"nsamples", 1e12, "field 'nsamples' must be a whole number from"},
            {"sparsity", "half", "field 'sparsity' must be a number, got \"half\""},
            {"bogus", 1L, "unknown field 'bogus'"},
        };
        for (Object[] c : recipes) {
            java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>(java.util.Map.of(
                    "command", "lm prune", "model", m, "method", "magnitude", "sparsity", 0.5));
            fields.put((String) c[0], c[1]);
            Path recipe = Files.writeString(tmp.resolve("recipe-bad.json"), jprune.nn.io.Json.write(fields, true));
            r = run("lm", "prune", "--recipe", recipe.toString(), "--out", o);
            assertEquals(2, r.code(), c[0] + ": " + r.err());
            assertTrue(r.err().contains((String) c[2]) && r.err().strip().lines().count() == 1, c[0] + ": " + r.err());
        }
        assertTrue(!Files.exists(tmp.resolve("bad")), "nothing written on bad input");
    }
}
