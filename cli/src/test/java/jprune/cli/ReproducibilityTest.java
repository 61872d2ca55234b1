package jprune.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jprune.nn.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Same seed, same result" across fresh JVMs, where the JIT state differs: a kernel whose result
 * depended on whether it ran interpreted or compiled (a lane sum in whatever order, a vector exp
 * from the platform's math library) would make these files differ.
 *
 * <p>Every reference model trains at 1 and at 2 threads in two JVMs started together. For the two
 * LeNets the second JVM runs C1 only ({@code -XX:TieredStopAtLevel=1}: the Vector API's Java
 * fallback throughout, never the C2 intrinsics), the widest difference in JIT state there is; for
 * convnet and vit-tiny, whose C1-only runs take minutes, both JVMs are ordinary and run the thread
 * counts in opposite orders. The first JVM also repeats both runs once its kernels are compiled.
 */
class ReproducibilityTest {
    private static final String[] SHORT = {"--epochs", "1", "--train-limit", "96", "--test-limit", "32", "--batch", "32", "--seed", "7"};
    /** C2 only, compiling a method after 100 calls: the intrinsics from the first steps on, where a short run in an ordinary JVM would barely leave C1. */
    private static final List<String> C2_EARLY = List.of("-XX:-TieredCompilation", "-XX:CompileThreshold=100");
    private static final List<String> MODELS = List.of("lenet-300-100", "lenet-5", "convnet", "vit-tiny");

    @TempDir
    Path dir;

    @Test
    void trainingGivesTheSameBitsInFreshJvmsAtOneAndTwoThreads() throws Exception {
        assumeTrue(CliTest.fashionMnistInstalled(), "Fashion-MNIST not installed");
        List<Process> jvms = new ArrayList<>();
        for (String model : MODELS) {
            boolean small = model.startsWith("lenet");
            jvms.add(start(dir, dir.resolve(model + "-a.log"), List.of(),
                    train(model, 1, "a1"), train(model, 2, "a2"), train(model, 1, "a1-warm"), train(model, 2, "a2-warm")));
            jvms.add(start(dir, dir.resolve(model + "-b.log"), small ? List.of("-XX:TieredStopAtLevel=1") : List.of(),
                    train(model, 2, "b2"), train(model, 1, "b1")));
        }
        awaitAll(jvms);
        for (String model : MODELS) {
            for (int t : new int[] {1, 2}) {
                Path reference = dir.resolve(model + "-a" + t);
                for (String other : List.of("a" + t + "-warm", "b" + t)) {
                    Path run = dir.resolve(model + "-" + other);
                    assertSameBytes(reference.resolve("model.safetensors"), run.resolve("model.safetensors"), model + " " + other);
                    assertEquals(history(reference), history(run), model + " " + other + ": losses and accuracies");
                }
            }
        }
    }

    @Test
    void pruneLotterySweepAndCompressGiveTheSameFilesInFreshJvms() throws Exception {
        assumeTrue(CliTest.fashionMnistInstalled(), "Fashion-MNIST not installed");
        List<Process> jvms = new ArrayList<>();
        // Each JVM works in its own directory with relative paths: the files record where they came from.
        String[] limits = {"--train-limit", "128", "--test-limit", "32", "--threads", "2"};
        for (String jvm : List.of("a", "b")) {
            Path d = Files.createDirectories(dir.resolve(jvm));
            jvms.add(start(d, dir.resolve(jvm + ".log"), List.of(),
                    join(new String[] {"train", "--model", "lenet-300-100", "--epochs", "1", "--out", "dense"}, limits),
                    join(new String[] {"prune", "--from", "dense", "--sparsity", "0.8", "--schedule", "agp", "--finetune-epochs", "2",
                        "--criterion", "taylor", "--seed", "3", "--out", "pruned"}, limits),
                    join(new String[] {"lottery", "--model", "lenet-300-100", "--rounds", "2", "--epochs", "1", "--rewind", "init",
                        "--seed", "3", "--out", "lottery"}, limits),
                    join(new String[] {"sweep", "--from", "dense", "--sparsities", "0.5,0.9", "--criteria", "magnitude,random",
                        "--finetune-epochs", "1", "--seed", "3", "--out", "sweep"}, limits),
                    join(new String[] {"compress", "--from", "pruned", "--format", "csr", "--quantize", "kmeans", "--bits", "4",
                        "--finetune-epochs", "1", "--seed", "3", "--out", "compressed"}, limits)));
        }
        awaitAll(jvms);
        Path a = dir.resolve("a"), b = dir.resolve("b");
        for (String file : List.of("dense/model.safetensors", "pruned/model.safetensors", "lottery/rewind.safetensors",
                "lottery/round-1/model.safetensors", "lottery/round-2/model.safetensors", "compressed/model.jpz")) {
            assertSameBytes(a.resolve(file), b.resolve(file), file);
        }
        assertEquals(withoutTimes(Json.parse(Files.readString(a.resolve("sweep/metrics.json")))),
                withoutTimes(Json.parse(Files.readString(b.resolve("sweep/metrics.json")))), "sweep metrics");
        assertEquals(withoutTimes(Json.parse(Files.readString(a.resolve("lottery/metrics.json")))),
                withoutTimes(Json.parse(Files.readString(b.resolve("lottery/metrics.json")))), "lottery metrics");
    }

    /**
     * The language-model commands, from text to a compressed checkpoint, in an ordinary JVM and in a C1-only
     * one: training, one-shot SparseGPT and Wanda 2:4, heads removed with Taylor scores and fine-tuned, and
     * int8 CSR compression.
     */
    @Test
    void languageModelCommandsGiveTheSameFilesInFreshJvms() throws Exception {
        Path text = dir.resolve("text.txt");
        StringBuilder b = new StringBuilder();
        String[] words = {"the", "jury", "said", "county", "election", "city", "evidence", "report", "court", "primary"};
        for (int i = 0; i < 600; i++) b.append(words[i % 10]).append(' ').append(words[(i * 7) % 10]).append(' ').append(words[(i * 3 + 1) % 10]).append(".\n");
        Files.writeString(text, b.toString());
        String t = text.toString();
        String[] calib = {"--calib", t, "--nsamples", "4", "--seqlen", "16", "--seed", "3", "--eval", t, "--eval-seqlen", "32", "--threads", "2"};
        List<Process> jvms = new ArrayList<>();
        for (String jvm : List.of("a", "b")) {
            Path d = Files.createDirectories(dir.resolve(jvm));
            jvms.add(start(d, dir.resolve(jvm + ".log"), jvm.equals("a") ? C2_EARLY : List.of("-XX:TieredStopAtLevel=1"),
                    new String[] {"lm", "train", "--text", t, "--arch", "llama", "--layers", "2", "--dim", "16", "--heads", "2", "--kv-heads", "1",
                        "--seqlen", "32", "--batch", "2", "--steps", "6", "--eval-every", "3", "--eval-windows", "2", "--vocab", "300",
                        "--threads", "2", "--out", "lm"},
                    join(new String[] {"lm", "prune", "--model", "lm", "--method", "sparsegpt", "--sparsity", "0.5", "--out", "sparsegpt"}, calib),
                    join(new String[] {"lm", "prune", "--model", "lm", "--method", "wanda", "--pattern", "2:4", "--out", "wanda"}, calib),
                    join(new String[] {"lm", "prune", "--model", "lm", "--granularity", "heads", "--criterion", "taylor", "--sparsity", "0.5",
                        "--finetune-steps", "3", "--finetune-batch", "2", "--out", "heads"}, calib),
                    new String[] {"compress", "--from", "sparsegpt", "--format", "csr", "--quantize", "int8", "--out", "packed"}));
        }
        awaitAll(jvms);
        Path a = dir.resolve("a"), b2 = dir.resolve("b");
        for (String run : List.of("lm", "sparsegpt", "wanda", "heads", "packed")) {
            assertSameBytes(a.resolve(run + "/model.safetensors"), b2.resolve(run + "/model.safetensors"), run);
            assertEquals(withoutTimes(Json.parse(Files.readString(a.resolve(run + "/metrics.json")))),
                    withoutTimes(Json.parse(Files.readString(b2.resolve(run + "/metrics.json")))), run + " metrics");
        }
        assertSameBytes(a.resolve("lm/tokenizer.json"), b2.resolve("lm/tokenizer.json"), "tokenizer");
    }

    private String[] train(String model, int threads, String name) {
        return join(new String[] {"train", "--model", model, "--threads", String.valueOf(threads),
            "--out", dir.resolve(model + "-" + name).toString()}, SHORT);
    }

    private static String[] join(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** A fresh JVM with this test's class path running the commands in order in workDir (see CommandSequence). */
    private static Process start(Path workDir, Path log, List<String> jvmFlags, String[]... commands) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-XX:+UseParallelGC"));
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CommandSequence.class.getName()));
        for (int i = 0; i < commands.length; i++) {
            if (i > 0) cmd.add("::");
            cmd.addAll(List.of(commands[i]));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JPRUNE_NO_PROGRESS", "1");
        pb.environment().remove("JPRUNE_THREADS");
        Process p = pb.start();
        processLogs.put(p, log);
        return p;
    }

    private static final Map<Process, Path> processLogs = new java.util.concurrent.ConcurrentHashMap<>();

    private static void awaitAll(List<Process> jvms) throws Exception {
        for (Process p : jvms) {
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                jvms.forEach(Process::destroyForcibly);
                fail("a JVM did not finish in 15 minutes");
            }
            Path log = processLogs.remove(p);
            assertEquals(0, p.exitValue(), () -> "JVM failed; its output:\n" + read(log));
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void assertSameBytes(Path expected, Path actual, String what) throws IOException {
        byte[] e = Files.readAllBytes(expected), a = Files.readAllBytes(actual);
        long mismatch = java.util.Arrays.mismatch(e, a);
        assertEquals(-1L, mismatch, what + ": " + expected.getFileName() + " differs from byte " + mismatch
                + " (" + e.length + " vs " + a.length + " bytes)");
    }

    /** The per-epoch losses and accuracies of a training run. */
    private static Object history(Path run) throws IOException {
        Map<?, ?> m = (Map<?, ?>) Json.parse(Files.readString(run.resolve("metrics.json")));
        List<Object> h = new ArrayList<>();
        for (Object e : (List<?>) m.get("history")) {
            Map<?, ?> epoch = (Map<?, ?>) e;
            h.add(List.of(epoch.get("loss"), epoch.get("test_accuracy")));
        }
        return List.of(h, m.get("test_accuracy"));
    }

    /** Times, speeds and memory use: what no two runs share. */
    private static boolean measuredOnTheMachine(String key) {
        return key.contains("seconds") || key.contains("per_second") || key.startsWith("peak_") || key.equals("max_heap_bytes") || key.equals("threads");
    }

    /** A metrics tree without its wall-clock and memory fields, which no two runs share. */
    private static Object withoutTimes(Object node) {
        if (node instanceof Map<?, ?> m) {
            Map<String, Object> r = new java.util.TreeMap<>();
            m.forEach((k, v) -> {
                String key = k.toString();
                if (!measuredOnTheMachine(key)) r.put(key, withoutTimes(v));
            });
            return r;
        }
        if (node instanceof List<?> l) return l.stream().map(ReproducibilityTest::withoutTimes).toList();
        return node;
    }
}
