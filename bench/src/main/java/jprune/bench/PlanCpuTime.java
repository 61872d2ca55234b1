package jprune.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import jprune.nn.infer.InferencePlan;
import jprune.nn.io.ModelCheckpoint;
import jprune.tensor.Parallel;
import jprune.tensor.Rng;

/**
 * CPU time per image of saved models' inference plans on one thread, the models taking turns in
 * alternating windows in one JVM: what another process's load moves least (wall-clock ratios come
 * from {@code jprune bench model}). Prints each model's median over the rounds and its ratio to the
 * first model's median.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -XX:+UseParallelGC -cp bench/target/jprune-bench.jar
 * jprune.bench.PlanCpuTime BATCH RUN_DIR...} (Fashion-MNIST-shaped models: 1×28×28 inputs).
 */
public final class PlanCpuTime {
    private static final int ROUNDS = 7;

    private PlanCpuTime() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: PlanCpuTime BATCH RUN_DIR... (the first model is the baseline of the ratios)");
            System.exit(2);
        }
        Parallel.setThreads(1);
        int batch = Integer.parseInt(args[0]), n = args.length - 1;
        InferencePlan[] plans = new InferencePlan[n];
        for (int i = 0; i < n; i++) {
            Path dir = Path.of(args[i + 1]);
            Path file = dir.toString().endsWith(".safetensors") ? dir : dir.resolve("model.safetensors");
            plans[i] = InferencePlan.compile(ModelCheckpoint.load(file).model(), 1, 28, 28);
        }
        Rng rng = new Rng(1);
        float[] x = new float[batch * 28 * 28];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextFloat();
        float[] y = new float[batch * Arrays.stream(plans).mapToInt(InferencePlan::outputSize).max().orElseThrow()];
        // until C2 has compiled the kernels they run many times slower: warm up by calls
        for (InferencePlan p : plans) for (int i = 0; i < 2000 / batch + 200; i++) p.run(x, batch, y);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        int calls = Math.max(20, 20_000 / batch);
        double[][] micros = new double[n][ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < n; i++) {
                long t0 = cpu.getCurrentThreadCpuTime();
                for (int c = 0; c < calls; c++) plans[i].run(x, batch, y);
                micros[i][round] = (cpu.getCurrentThreadCpuTime() - t0) / 1e3 / calls / batch;
            }
        }
        double base = median(micros[0]);
        for (int i = 0; i < n; i++) {
            double[] s = micros[i].clone();
            Arrays.sort(s);
            System.out.printf(Locale.ROOT, "%-28s batch %d: %.2f µs CPU per image (%.2f–%.2f), %.2fx the first%n", args[i + 1], batch,
                    s[ROUNDS / 2], s[0], s[ROUNDS - 1], base / s[ROUNDS / 2]);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
