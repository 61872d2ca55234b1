package jprune.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jprune.nn.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line as a user meets it: exit codes, messages, files written. */
class CliTest {
    /**
     * The output directory of runs that must fail before writing anything. Outside the checkout, so a
     * case that wrongly succeeds cannot leave a model in the source tree; checked after every test.
     */
    static final String NEVER_WRITTEN = Path.of(System.getProperty("java.io.tmpdir"), "jprune-clitest-never-written").toString();

    @org.junit.jupiter.api.AfterEach
    void runsThatMustFailWroteNothing() throws java.io.IOException {
        Path never = Path.of(NEVER_WRITTEN);
        boolean written = Files.exists(never);
        if (written) try (var files = Files.walk(never)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        assertFalse(written, "a run that should have failed wrote " + NEVER_WRITTEN);
    }

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static boolean fashionMnistInstalled() {
        return Files.exists(Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) || System.getenv("JPRUNE_DATA") != null;
    }

    @Test
    void helpOnEveryCommand() {
        List<List<String>> paths = new ArrayList<>();
        commandPaths(Main.commandLine(), List.of(), paths);
        assertTrue(paths.size() > 20, paths.toString());
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Run r = run(args.toArray(String[]::new));
            assertEquals(0, r.code(), String.join(" ", args));
            assertTrue(r.out().contains("Usage:"), r.out());
            // picocli formats descriptions with String.format: a lone '%' prints a warning instead of the text
            assertFalse(r.out().contains("picocli WARN") || r.err().contains("picocli WARN"), String.join(" ", args) + ": " + r.out() + r.err());
        }
    }

    private static void commandPaths(CommandLine cmd, List<String> path, List<List<String>> out) {
        out.add(path);
        for (var e : cmd.getSubcommands().entrySet()) {
            List<String> sub = new ArrayList<>(path);
            sub.add(e.getKey());
            commandPaths(e.getValue(), sub, out);
        }
    }

    @Test
    void unknownFlagIsAUsageErrorNamingTheFlag() {
        Run r = run("train", "--model", "lenet-5", "--out", NEVER_WRITTEN, "--epoch", "3");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--epoch"), r.err());
    }

    @Test
    void badValuesAreUsageErrors() {
        Run r = run("train", "--model", "resnet", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--model") && r.err().contains("lenet-5"), r.err());
        r = run("train", "--model", "lenet-5", "--out", NEVER_WRITTEN, "--epochs", "abc");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--epochs"), r.err());
        r = run("train", "--model", "lenet-5", "--out", NEVER_WRITTEN, "--optimizer", "rmsprop");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("sgd"), r.err());
        r = run("train", "--model", "lenet-5", "--out", NEVER_WRITTEN, "--dataset", "cifar10");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("fashion-mnist"), r.err());
        r = run("bench", "gemm", "--size", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--size"), r.err());
        r = run("frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown command 'frobnicate': choose one of [demo, train,"), r.err());
        r = run("bench");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("choose one of [gemm, sparse, model]"), "hidden benchmarks left out: " + r.err());
    }

    @Test
    void missingDataSaysHowToGetIt(@TempDir Path tmp) {
        Run r = run("train", "--model", "lenet-300-100", "--out", tmp.resolve("o").toString(), "--data", tmp.resolve("nothing").toString(), "--epochs", "1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("dataset-fashion-mnist"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void evalOfMissingOrCorruptCheckpointFailsClearly(@TempDir Path tmp) throws Exception {
        Run r = run("eval", "--from", tmp.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("model.safetensors"), r.err());
        Files.write(tmp.resolve("model.safetensors"), new byte[] {1, 2, 3});
        r = run("eval", "--from", tmp.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("model.safetensors"), r.err());
    }

    @Test
    void benchGemmWritesMetrics(@TempDir Path tmp) throws Exception {
        Run r = run("bench", "gemm", "--size", "64", "--threads", "1", "--repeats", "2", "--out", tmp.toString());
        assertEquals(0, r.code(), r.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(tmp.resolve("metrics.json")));
        assertEquals(64L, m.get("size"));
        assertEquals(1L, m.get("threads"));
        assertTrue(((Number) m.get("gflops")).doubleValue() > 0);
    }

    @Test
    @SuppressWarnings("unchecked")
    void trainThenEvalOnASubset(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(fashionMnistInstalled(), "Fashion-MNIST not installed");
        Path out = tmp.resolve("run");
        Run r = run("train", "--model", "lenet-300-100", "--epochs", "1", "--train-limit", "3000", "--seed", "3", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(out.resolve("metrics.json")));
        for (String key : List.of("model", "dataset", "epochs", "test_accuracy", "train_seconds", "seconds_per_epoch", "params_total", "history"))
            assertTrue(m.containsKey(key), "metrics.json lacks " + key);
        double acc = ((Number) m.get("test_accuracy")).doubleValue();
        assertTrue(acc > 0.6, "one epoch on 3000 images should pass 60%, got " + acc);
        List<Object> history = (List<Object>) m.get("history");
        assertEquals(1, history.size());
        assertTrue(((Map<String, Object>) history.get(0)).keySet().containsAll(List.of("epoch", "loss", "test_accuracy", "seconds")));

        Run e = run("eval", "--from", out.toString());
        assertEquals(0, e.code(), e.err());
        Map<String, Object> em = (Map<String, Object>) Json.parse(Files.readString(out.resolve("eval.json")));
        assertEquals(acc, ((Number) em.get("test_accuracy")).doubleValue(), 1e-12, "eval reproduces the training run's accuracy");
    }

    @Test
    void pruneRejectsBadOptionsNamingThem() {
        Run r = run("prune", "--model", "lenet-300-100", "--sparsity", "1.2", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("sparsity"), r.err());
        r = run("prune", "--model", "lenet-300-100", "--sparsity", "0.5", "--schedule", "iterative:0", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("iterative:R"), r.err());
        r = run("prune", "--model", "lenet-300-100", "--sparsity", "0.5", "--criterion", "hebbian", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("magnitude"), r.err());
        r = run("prune", "--model", "lenet-300-100", "--from", "y", "--sparsity", "0.5", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code(), "--from and --model exclude each other");
        r = run("prune", "--model", "lenet-300-100", "--sparsity", "0.5", "--scope", "local", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("global"), r.err());
        r = run("prune", "--model", "lenet-300-100", "--granularity", "2:4", "--sparsity", "0.9", "--schedule", "oneshot", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("contradicts"), r.err());
        r = run("prune", "--model", "lenet-300-100", "--granularity", "4:2", "--schedule", "oneshot", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("N < M"), r.err());
        r = run("prune", "--model", "lenet-300-100", "--granularity", "channels", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        r = run("prune", "--model", "lenet-300-100", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--sparsity"), r.err());
        r = run("prune", "--model", "lenet-300-100", "--granularity", "block:0x4", "--sparsity", "0.5", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("RxC"), r.err());
        r = run("prune", "--model", "lenet-300-100", "--granularity", "rows", "--sparsity", "0.5", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("block:RxC") && r.err().contains("mlp-neurons"), r.err());
        r = run("prune", "--model", "lenet-5", "--granularity", "heads", "--sparsity", "0.25", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--granularity heads") && r.err().contains("needs transformer blocks") && r.err().contains("channels"), r.err());
        r = run("prune", "--model", "vit-tiny", "--granularity", "blocks", "--sparsity", "0.9", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--sparsity") && r.err().contains("would remove every block") && r.err().contains("at most 3 of 4"), r.err());
        r = run("prune", "--model", "vit-tiny", "--granularity", "heads", "--scope", "global", "--sparsity", "0.9", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--sparsity") && r.err().contains("at most 12"), r.err());
        r = run("prune", "--model", "vit-tiny", "--granularity", "heads", "--criterion", "skip-loss", "--sparsity", "0.25", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--criterion") && r.err().contains("needs granularity blocks"), r.err());
        r = run("prune", "--model", "vit-tiny", "--granularity", "hidden", "--scope", "global", "--sparsity", "0.999", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--sparsity") && r.err().contains("would remove every hidden dimension (64)") && r.err().contains("at most 63 of 64"), r.err());
        r = run("prune", "--model", "vit-tiny", "--granularity", "hidden", "--criterion", "gate", "--sparsity", "0.25", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--criterion") && r.err().contains("granularity hidden"), r.err());
        r = run("prune", "--model", "lenet-300-100", "--sparsity", "0.5", "--l1", "-1", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("L1"), r.err());
        r = run("prune", "--model", "lenet-300-100", "--sparsity", "0.5", "--keep", "fc(", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("regular expression"), r.err());
        // Checked before the dense model trains: a pattern naming no layer, agp without fine-tuning.
        r = run("prune", "--model", "lenet-300-100", "--sparsity", "0.5", "--keep", "fc4\\.weight", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--keep") && r.err().contains("matches none") && r.err().contains("fc3.weight"), r.err());
        r = run("prune", "--model", "lenet-300-100", "--sparsity", "0.5", "--override", "conv1.*=0.3", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--override") && r.err().contains("matches none"), r.err());
        r = run("prune", "--model", "lenet-300-100", "--sparsity", "0.5", "--finetune-epochs", "0", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--finetune-epochs") && r.err().contains("agp"), r.err());
        r = run("prune", "--from", NEVER_WRITTEN, "--sparsity", "0.5", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--out must differ from --from"), r.err());
        r = run("sweep", "--model", "lenet-300-100", "--criteria", "gate", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--criteria: gate scores groups"), r.err());
        r = run("sweep", "--model", "lenet-300-100", "--sparsities", ",", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--sparsities"), r.err());
        r = run("demo", "--sparsity", "2", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertEquals("jprune demo: --sparsity must be in (0, 1), got 2.0", r.err().strip());
        r = run("demo", "--finetune-epochs", "0", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--finetune-epochs"), r.err());
    }

    @Test
    void fileSystemFailuresSayWhatIsWrongWithThePath(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Run r = run("train", "--model", "lenet-300-100", "--epochs", "1", "--out", file.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().strip().endsWith(file + ": exists and is in the way (a file where a directory is needed?)"), r.err());
    }

    @Test
    @SuppressWarnings("unchecked")
    void trainPruneInspectOnASubset(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(fashionMnistInstalled(), "Fashion-MNIST not installed");
        Path dense = tmp.resolve("dense"), pruned = tmp.resolve("pruned");
        assertEquals(0, run("train", "--model", "lenet-300-100", "--epochs", "1", "--train-limit", "2000", "--out", dense.toString()).code());
        Run r = run("prune", "--from", dense.toString(), "--sparsity", "0.8", "--schedule", "oneshot", "--finetune-epochs", "1",
                "--train-limit", "2000", "--out", pruned.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(pruned.resolve("metrics.json")));
        for (String key : List.of("sparsity", "dense_test_accuracy", "test_accuracy", "params_nonzero", "layers", "rounds"))
            assertTrue(m.containsKey(key), "metrics.json lacks " + key);
        assertEquals(0.8, ((Number) m.get("sparsity")).doubleValue(), 1e-4);
        assertFalse(r.err().contains("note: reached"), r.err());
        assertTrue(Files.size(pruned.resolve("model.safetensors")) <= Files.size(dense.resolve("model.safetensors")));
        // --from naming the checkpoint file, --out its directory: refused, the model is kept.
        r = run("prune", "--from", pruned.resolve("model.safetensors").toString(), "--sparsity", "0.5", "--out", pruned.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--out must differ from --from"), r.err());
        // Pruning an already sparser model says why the target was not reached.
        Path again = tmp.resolve("again");
        r = run("prune", "--from", pruned.toString(), "--sparsity", "0.5", "--schedule", "oneshot", "--finetune-epochs", "0",
                "--train-limit", "500", "--test-limit", "200", "--out", again.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("note: reached 80.00% sparsity, not the 50.00% asked for: the model was 80.00% sparse already"), r.err());
        assertTrue(Files.exists(pruned.resolve("recipe.json")));
        Path inspected = tmp.resolve("inspect");
        Run i = run("inspect", "--from", pruned.toString(), "--out", inspected.toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("fc1.weight") && i.out().contains("80.00%"), i.out());
        Map<String, Object> im = (Map<String, Object>) Json.parse(Files.readString(inspected.resolve("metrics.json")));
        assertEquals(0.8, ((Number) im.get("sparsity")).doubleValue(), 1e-4);
        assertEquals(Files.size(pruned.resolve("model.safetensors")), ((Number) im.get("file_bytes")).longValue());

        // The reports of the real run, in a real browser.
        List<HeadlessChromium.Page> pages = HeadlessChromium.render(List.of(pruned.resolve("report.html"), inspected.resolve("report.html")));
        ReportAssertions.assertDrawn(pages.get(0), java.util.Set.of("schedule", "accuracy", "layer-sparsity", "layer-size", "weights"));
        ReportAssertions.assertDrawn(pages.get(1), java.util.Set.of("layer-sparsity", "layer-size", "weights"));
        String html = Files.readString(pruned.resolve("report.html"));
        assertTrue(html.contains("<td>dense</td>") && html.contains("<td>pruned</td>") && html.contains(" ms ("), "summary of dense and pruned, latency with its range over the timing rounds");

        // N:M on the gradual schedule ends on the exact pattern.
        Path nm = tmp.resolve("nm");
        r = run("prune", "--from", dense.toString(), "--granularity", "2:4", "--schedule", "agp", "--finetune-epochs", "1",
                "--train-limit", "2000", "--out", nm.toString());
        assertEquals(0, r.code(), r.err());
        float[] w = jprune.nn.io.ModelCheckpoint.load(nm.resolve("model.safetensors")).model().namedParameters().get("fc2.weight").value().data();
        for (int g = 0; g < w.length; g += 4) {
            int zeros = 0;
            for (int k = g; k < g + 4; k++) if (w[k] == 0f) zeros++;
            assertEquals(2, zeros, "group at " + g + " of fc2.weight");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void sweepWritesEveryPointAndResumesWithoutRedoingThem(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(fashionMnistInstalled(), "Fashion-MNIST not installed");
        Path dense = tmp.resolve("dense"), sweep = tmp.resolve("sweep");
        assertEquals(0, run("train", "--model", "lenet-300-100", "--epochs", "1", "--train-limit", "1000", "--out", dense.toString()).code());
        Run r = run("sweep", "--from", dense.toString(), "--sparsities", "0.5,0.9", "--criteria", "magnitude,random",
                "--finetune-epochs", "0", "--train-limit", "1000", "--out", sweep.toString());
        assertEquals(0, r.code(), r.err());
        List<Object> points = (List<Object>) ((Map<String, Object>) Json.parse(Files.readString(sweep.resolve("metrics.json")))).get("points");
        assertEquals(4, points.size());
        // The same model named another way ("dense/.") resumes.
        r = run("sweep", "--from", dense.resolve(".").toString(), "--sparsities", "0.5,0.9,0.95", "--criteria", "magnitude,random",
                "--finetune-epochs", "0", "--train-limit", "1000", "--resume", "--out", sweep.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("4 points already done"), r.err());
        assertEquals(2, r.err().lines().filter(l -> l.contains("without fine-tuning")).count(), "only the two new points ran: " + r.err());
        points = (List<Object>) ((Map<String, Object>) Json.parse(Files.readString(sweep.resolve("metrics.json")))).get("points");
        assertEquals(6, points.size());
        // Resuming with other settings would mix their points into one table.
        r = run("sweep", "--from", dense.toString(), "--sparsities", "0.5", "--criteria", "magnitude",
                "--finetune-epochs", "0", "--train-limit", "500", "--resume", "--out", sweep.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("train_images 1000, this run has 500"), r.err());
        Files.writeString(sweep.resolve("metrics.json"), "{\"points\": [");
        r = run("sweep", "--from", dense.toString(), "--sparsities", "0.5", "--criteria", "magnitude",
                "--finetune-epochs", "0", "--train-limit", "1000", "--resume", "--out", sweep.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(sweep.resolve("metrics.json") + " is not a readable metrics.json"), r.err());
    }

    @Test
    @SuppressWarnings("unchecked")
    void lotteryCheckpointsEveryRoundAndResumes(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(fashionMnistInstalled(), "Fashion-MNIST not installed");
        Path out = tmp.resolve("lt");
        Run r = run("lottery", "--model", "lenet-300-100", "--rewind", "iter:11", "--epochs", "1", "--train-limit", "600", "--out", NEVER_WRITTEN);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("past the end of the first run: 1 epoch of 550 images in batches of 60 are 10 optimizer steps"), r.err());
        r = run("lottery", "--model", "lenet-300-100", "--rounds", "1", "--epochs", "1", "--train-limit", "600", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        r = run("lottery", "--model", "lenet-300-100", "--rounds", "2", "--epochs", "1", "--train-limit", "600", "--resume", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("resuming after round 1") && !r.err().contains("round 1:"), r.err());
        Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(out.resolve("metrics.json")));
        List<Object> rounds = (List<Object>) m.get("rounds");
        assertEquals(2, rounds.size());
        assertTrue(((Map<String, Object>) rounds.get(1)).keySet().containsAll(List.of("density", "test_accuracy", "reinit_test_accuracy", "random_mask_test_accuracy",
                "layer_density", "early_stop_test_accuracy", "reinit_early_stop_test_accuracy", "random_mask_early_stop_test_accuracy", "early_stop_iteration")));
        assertEquals(50, ((Number) m.get("validation_images")).intValue(), "the paper's 5,000 of 60,000: a twelfth of the 600 images");
        assertEquals(550, ((Number) m.get("train_images")).intValue());
        assertEquals(List.of("layer", "glorot-normal", 0.1), List.of(m.get("scope"), m.get("init"), m.get("output_rate")), "lenet-300-100 follows the paper");
        assertTrue(m.get("dense_early_stop_test_accuracy") instanceof Number, "the resumed run keeps the dense run's early-stopped accuracy");
        Map<String, Object> layers = (Map<String, Object>) ((Map<String, Object>) rounds.get(1)).get("layer_density");
        assertEquals(0.64, ((Number) layers.get("fc1.weight")).doubleValue(), 1e-4);
        assertEquals(0.81, ((Number) layers.get("fc3.weight")).doubleValue(), 1e-3);
        assertTrue(Files.exists(out.resolve("round-2").resolve("model.safetensors")));
        String before = Files.readString(out.resolve("metrics.json"));
        r = run("lottery", "--model", "lenet-300-100", "--rounds", "3", "--epochs", "1", "--train-limit", "600", "--rate", "0.3", "--resume", "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("rate 0.2, this run has 0.3"), r.err());
        assertEquals(before, Files.readString(out.resolve("metrics.json")), "a refused resume leaves the run as it was");
        assertFalse(Files.exists(out.resolve("round-3")));
        assertEquals(2, run("lottery", "--model", "lenet-300-100", "--scope", "rows", "--out", out.toString()).code());
        assertEquals(2, run("lottery", "--model", "lenet-300-100", "--output-rate", "1", "--out", out.toString()).code());
        assertEquals(2, run("lottery", "--model", "lenet-300-100", "--init", "he", "--out", out.toString()).code());
        assertEquals(2, run("lottery", "--model", "lenet-300-100", "--rewind", "iter:0", "--out", out.toString()).code());
        Files.delete(out.resolve("rewind.safetensors"));
        r = run("lottery", "--model", "lenet-300-100", "--rounds", "3", "--epochs", "1", "--train-limit", "600", "--resume", "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("holds metrics.json but no rewind.safetensors"), r.err());
        assertEquals(before, Files.readString(out.resolve("metrics.json")), "the recorded rounds are kept");
    }

    @Test
    void invalidRecipesNameTheFieldAndTheAllowedValues(@TempDir Path tmp) throws Exception {
        Path recipe = tmp.resolve("r.json");
        String[][] cases = {
            {"{\"model\":\"lenet-5\",\"sparsity\":1.5}", "sparsity"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"colour\":1}", "colour"},
            {"{\"model\":\"lenet-5\",\"granularity\":\"4:4\",\"schedule\":\"oneshot\"}", "N < M"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"finetune\":{\"epochs\":-1}}", "finetune.epochs"},
            {"{\"model\":\"lenet-5\",\"from\":\"x\",\"sparsity\":0.5}", "exactly one"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"scope\":\"everywhere\"}", "global"},
            {"{\"model\":\"lenet-5\",\"sparsity\":\"half\"}", "sparsity"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5", "invalid JSON"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"finetune\":{\"optimizer\":\"adam\"}}", "optimizer must be one of [sgd, adamw]"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"finetune\":{\"momentum\":0.5}}", "finetune.momentum"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"finetune\":{\"batch\":0}}", "batch"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"regularization\":{\"l3\":1}}", "regularization.l3"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"regularization\":{\"l1\":-1}}", "L1"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"granularity\":\"block:4\"}", "RxC"},
        };
        for (String[] c : cases) {
            Files.writeString(recipe, c[0]);
            Run r = run("prune", "--recipe", recipe.toString(), "--out", tmp.resolve("o").toString());
            assertEquals(2, r.code(), c[0] + " -> " + r.err());
            assertTrue(r.err().contains(c[1]), c[0] + " -> " + r.err());
        }
        Files.writeString(recipe, "{\"model\":\"lenet-5\",\"sparsity\":0.5}");
        Run r = run("prune", "--recipe", recipe.toString(), "--sparsity", "0.7", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("cannot be combined"), r.err());
    }

    @Test
    void aRunsRecipeReproducesIt(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(fashionMnistInstalled(), "Fashion-MNIST not installed");
        Path dense = tmp.resolve("dense"), first = tmp.resolve("first"), again = tmp.resolve("again");
        assertEquals(0, run("train", "--model", "lenet-300-100", "--epochs", "1", "--train-limit", "1000", "--out", dense.toString()).code());
        assertEquals(0, run("prune", "--from", dense.toString(), "--sparsity", "0.7", "--schedule", "oneshot", "--finetune-epochs", "1",
                "--train-limit", "1000", "--out", first.toString()).code());
        Run r = run("prune", "--recipe", first.resolve("recipe.json").toString(), "--train-limit", "1000", "--out", again.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(Files.readString(first.resolve("recipe.json")), Files.readString(again.resolve("recipe.json")));
        assertArrayEquals(Files.readAllBytes(first.resolve("model.safetensors")), Files.readAllBytes(again.resolve("model.safetensors")),
                "the same recipe and seed give the same model");
    }

    @Test
    @SuppressWarnings("unchecked")
    void channelPruningCompactsTheModel(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(fashionMnistInstalled(), "Fashion-MNIST not installed");
        Path dense = tmp.resolve("dense"), pruned = tmp.resolve("pruned");
        assertEquals(0, run("train", "--model", "lenet-5", "--epochs", "1", "--train-limit", "1000", "--out", dense.toString()).code());
        Run r = run("prune", "--from", dense.toString(), "--granularity", "channels", "--scope", "layer", "--sparsity", "0.5", "--schedule", "oneshot",
                "--finetune-epochs", "1", "--train-limit", "1000", "--out", pruned.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(pruned.resolve("metrics.json")));
        assertEquals(Boolean.TRUE, m.get("compacted"));
        assertTrue(((Number) m.get("params_total")).longValue() < 0.35 * ((Number) m.get("params_total_dense")).longValue());
        assertTrue(Files.size(pruned.resolve("model.safetensors")) < 0.35 * Files.size(dense.resolve("model.safetensors")));
        Run e = run("eval", "--from", pruned.toString());
        assertEquals(0, e.code(), e.err());
        Map<String, Object> em = (Map<String, Object>) Json.parse(Files.readString(pruned.resolve("eval.json")));
        assertEquals(((Number) m.get("test_accuracy")).doubleValue(), ((Number) em.get("test_accuracy")).doubleValue(), 1e-12);
    }

    @Test
    @SuppressWarnings("unchecked")
    void transformerHeadsNeuronsAndBlocksArePrunedAndRemoved(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(fashionMnistInstalled(), "Fashion-MNIST not installed");
        Path dense = tmp.resolve("dense");
        assertEquals(0, run("train", "--model", "vit-tiny", "--epochs", "1", "--train-limit", "600", "--test-limit", "200", "--out", dense.toString()).code());
        String[][] cases = {{"heads", "gate", "0.25", "heads", "heads"}, {"mlp-neurons", "taylor", "0.5", "mlp_neurons", "MLP neurons"},
            {"blocks", "block-influence", "0.5", "blocks", "blocks"}, {"hidden", "magnitude-l2", "0.25", "hidden", "hidden dimensions"}};
        for (String[] c : cases) {
            Path pruned = tmp.resolve(c[0]);
            Run r = run("prune", "--from", dense.toString(), "--granularity", c[0], "--criterion", c[1], "--scope", "layer", "--sparsity", c[2],
                    "--schedule", "oneshot", "--finetune-epochs", "0", "--train-limit", "600", "--test-limit", "200", "--out", pruned.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains(" " + c[4] + " removed"), r.out());
            Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(pruned.resolve("metrics.json")));
            assertEquals(Boolean.TRUE, m.get("compacted"));
            List<Map<String, Object>> groups = (List<Map<String, Object>>) m.get(c[3]);
            assertFalse(groups.isEmpty(), c[3]);
            for (Map<String, Object> g : groups)
                assertEquals(Math.round(Double.parseDouble(c[2]) * ((Number) g.get("before")).intValue()),
                        ((Number) g.get("before")).intValue() - ((Number) g.get("after")).intValue(), g.toString());
            assertTrue(((Number) m.get("params_total")).longValue() < ((Number) m.get("params_total_dense")).longValue());
            // The compacted checkpoint reloads and gives the accuracy the prune run reported.
            Run e = run("eval", "--from", pruned.toString(), "--test-limit", "200");
            assertEquals(0, e.code(), e.err());
            Map<String, Object> em = (Map<String, Object>) Json.parse(Files.readString(pruned.resolve("eval.json")));
            assertEquals(((Number) m.get("test_accuracy")).doubleValue(), ((Number) em.get("test_accuracy")).doubleValue(), 1e-12, c[0]);
        }
        // Half the blocks gone: timed against the dense model it came from, side by side.
        Run b = run("bench", "model", "--from", tmp.resolve("blocks").toString(), "--baseline", dense.toString(), "--test-limit", "64",
                "--out", tmp.resolve("bench").toString());
        assertEquals(0, b.code(), b.err());
        Map<String, Object> bm = (Map<String, Object>) Json.parse(Files.readString(tmp.resolve("bench").resolve("metrics.json")));
        assertTrue(((Number) bm.get("speedup_batch64")).doubleValue() > 1.2, "two of four blocks removed: " + bm.get("speedup_batch64"));
        assertTrue(((Number) bm.get("params_total")).longValue() < ((Number) bm.get("baseline_params_total")).longValue());
        Run bad = run("bench", "model", "--from", tmp.resolve("blocks").toString(), "--baseline", tmp.resolve("nothing").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--baseline"), bad.err());
    }

    @Test
    void compressAndBenchRejectBadOptionsNamingThem(@TempDir Path tmp) {
        String[][] cases = {
            {"compress", "--from", tmp.toString(), "--quantize", "fp16", "--out", NEVER_WRITTEN}, {"--quantize"},
            {"compress", "--from", tmp.toString(), "--bits", "9", "--out", NEVER_WRITTEN}, {"--bits"},
            {"compress", "--from", tmp.toString(), "--format", "coo", "--out", NEVER_WRITTEN}, {"--format"},
            {"compress", "--from", tmp.toString(), "--optimize", "size", "--out", NEVER_WRITTEN}, {"--optimize"},
            {"compress", "--from", tmp.toString(), "--budget-ms", "-5", "--out", NEVER_WRITTEN}, {"--budget-ms must be > 0"},
            {"compress", "--from", tmp.resolve("nothing").toString(), "--out", NEVER_WRITTEN}, {"no model"},
            {"bench", "sparse", "--densities", "0,0.5"}, {"--densities"},
            {"bench", "sparse", "--shapes", "huge"}, {"--shapes"},
            {"bench", "sparse", "--large-modes", "warm,cold"}, {"--large-modes"},
            {"bench", "sparse", "--size", "64"}, {"--size"},
            {"bench", "model", "--from", tmp.resolve("nothing").toString()}, {"no model"},
        };
        for (int i = 0; i < cases.length; i += 2) {
            Run r = run(cases[i]);
            assertEquals(2, r.code(), String.join(" ", cases[i]) + " -> " + r.err());
            assertTrue(r.err().contains(cases[i + 1][0]), String.join(" ", cases[i]) + " -> " + r.err());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void compressWritesASmallerModelThatEvalRuns(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(fashionMnistInstalled(), "Fashion-MNIST not installed");
        Path dense = tmp.resolve("dense"), pruned = tmp.resolve("pruned"), packed = tmp.resolve("packed");
        assertEquals(0, run("train", "--model", "lenet-300-100", "--epochs", "1", "--train-limit", "1000", "--out", dense.toString()).code());
        assertEquals(0, run("prune", "--from", dense.toString(), "--sparsity", "0.9", "--schedule", "oneshot", "--finetune-epochs", "0",
                "--train-limit", "1000", "--out", pruned.toString()).code());
        Run r = run("compress", "--from", pruned.toString(), "--quantize", "kmeans", "--bits", "4", "--finetune-epochs", "1",
                "--train-limit", "1000", "--format", "csr", "--out", packed.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(packed.resolve("metrics.json")));
        for (String key : List.of("dense_bytes", "compressed_bytes", "compression_ratio", "dense_test_accuracy", "test_accuracy", "layers", "inference"))
            assertTrue(m.containsKey(key), "metrics.json lacks " + key);
        assertEquals(Files.size(packed.resolve("model.jpz")), ((Number) m.get("compressed_bytes")).longValue());
        assertTrue(((Number) m.get("compression_ratio")).doubleValue() > 20, "90% sparse, 4-bit, entropy-coded: " + m.get("compression_ratio"));
        Run e = run("eval", "--from", packed.toString());
        assertEquals(0, e.code(), e.err());
        Map<String, Object> em = (Map<String, Object>) Json.parse(Files.readString(packed.resolve("eval.json")));
        assertEquals(((Number) m.get("test_accuracy")).doubleValue(), ((Number) em.get("test_accuracy")).doubleValue(), 1e-12, "eval runs the file compress measured");
        // The same counts from the .jpz as from the checkpoint it was made from, whatever format each layer got.
        assertEquals(0, run("eval", "--from", pruned.toString(), "--test-limit", "10").code());
        Map<String, Object> pm = (Map<String, Object>) Json.parse(Files.readString(pruned.resolve("eval.json")));
        assertEquals(266_610L, pm.get("params_total"));
        assertEquals(pm.get("params_total"), em.get("params_total"));
        assertEquals(pm.get("params_nonzero"), em.get("params_nonzero"));
        long nonzero = (Long) pm.get("params_nonzero");
        assertTrue(nonzero > 0.09 * 266_610 && nonzero < 0.11 * 266_610, "90% pruned: " + nonzero);
        Run notNm = run("compress", "--from", dense.toString(), "--format", "2:4", "--out", tmp.resolve("nm").toString());
        assertEquals(2, notNm.code(), notNm.err());
        assertTrue(notNm.err().contains("--format: 'fc1.weight' cannot be stored as 2:4: matrix is not 2:4 sparse"), notNm.err());
        Run wrong = run("inspect", "--from", packed.toString());
        assertEquals(2, wrong.code(), "commands that read fp32 weights refuse a .jpz by name");
        assertTrue(wrong.err().contains("compressed model"), wrong.err());
        // A truncated file is refused with a one-line reason, not a stack trace.
        byte[] whole = Files.readAllBytes(packed.resolve("model.jpz"));
        Files.write(packed.resolve("model.jpz"), java.util.Arrays.copyOf(whole, whole.length - 3));
        Run bad = run("eval", "--from", packed.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("truncated") || bad.err().contains("past the end"), bad.err());
    }
}
