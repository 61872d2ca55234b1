package jprune.bench;

import java.util.concurrent.TimeUnit;
import jprune.deploy.format.WeightFormats;
import jprune.deploy.format.WeightMatrix;
import jprune.tensor.Parallel;
import jprune.tensor.Rng;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sparse weight formats against dense on a 4096×4096 layer: products per second for one sample
 * (multiplyVector) and for a batch of 64 (multiplyBatch); 10^6 / score is the latency in µs. The
 * secondary result {@code gbyte} (in GB/s) is the format's bytes streamed per second, to set against
 * the machine's memory bandwidth.
 *
 * <p>{@code pattern} is the weights' sparsity: "0.5" and "0.1" are uniformly random unstructured
 * masks at that density, "2:4" keeps 2 random weights of every 4 consecutive inputs. A format that
 * cannot hold a pattern as is gets it pruned to fit: the N:M format keeps the N largest of each group
 * (a 10% matrix stays nearly intact). Each invocation multiplies the next of several copies of the
 * matrix, enough copies to total {@code cycleBytes} (default 512 MiB, above this machine's last-level
 * cache) so that weights come from memory as in a real model; cycleBytes=0 measures one copy in cache.
 * Run: {@code java -jar bench/target/jprune-bench.jar SparseBench -p pattern=0.1 -p format=dense,csr}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
public class SparseBench {
    private static final int SIZE = 4096;

    @Param({"0.5", "0.1", "2:4"})
    public String pattern;

    @Param({"dense", "csr", "bitmask", "2:4", "block4x4"})
    public String format;

    @Param({"1", "64"})
    public int batch;

    @Param({"false"})
    public boolean int8;

    @Param({"2"})
    public int threads;

    @Param({"536870912"})
    public long cycleBytes;

    private WeightMatrix[] copies;
    private int next;
    private float[] x, y;
    private int savedThreads;

    /** Counts bytes of weights streamed, so JMH reports GB/s. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Traffic {
        public double gbyte;

        @Setup(Level.Iteration)
        public void reset() {
            gbyte = 0;
        }
    }

    @Setup
    public void setUp() {
        Rng rng = new Rng(42);
        float[] dense = weights(rng, pattern);
        if (format.contains(":")) dense = pruneToNm(dense, format);
        WeightMatrix first = WeightFormats.encode(format, dense, SIZE, SIZE, int8);
        int n = (int) Math.max(1, Math.min(64, (cycleBytes + first.bytes() - 1) / first.bytes()));
        copies = new WeightMatrix[n];
        copies[0] = first;
        for (int i = 1; i < n; i++) copies[i] = WeightFormats.encode(format, dense, SIZE, SIZE, int8);
        x = new float[SIZE * batch];
        for (int i = 0; i < x.length; i++) x[i] = 2 * rng.nextFloat() - 1;
        y = new float[SIZE * batch];
        savedThreads = Parallel.threads();
        Parallel.setThreads(threads);
    }

    @TearDown
    public void tearDown() {
        Parallel.setThreads(savedThreads);
    }

    private static float[] weights(Rng rng, String pattern) {
        float[] w = new float[SIZE * SIZE];
        if (pattern.contains(":")) {
            int n = Integer.parseInt(pattern.split(":")[0]), m = Integer.parseInt(pattern.split(":")[1]);
            int[] order = new int[m];
            for (int g = 0; g < w.length; g += m) {
                for (int i = 0; i < m; i++) order[i] = i;
                rng.shuffle(order);
                for (int i = 0; i < n; i++) w[g + order[i]] = 2 * rng.nextFloat() - 1;
            }
        } else {
            double density = Double.parseDouble(pattern);
            for (int i = 0; i < w.length; i++) if (rng.nextDouble() < density) w[i] = 2 * rng.nextFloat() - 1;
        }
        return w;
    }

    /** Keeps the n largest magnitudes of every m consecutive weights (rows are a multiple of m long). */
    private static float[] pruneToNm(float[] w, String nm) {
        int n = Integer.parseInt(nm.split(":")[0]), m = Integer.parseInt(nm.split(":")[1]);
        float[] out = w.clone();
        for (int g = 0; g < out.length; g += m) {
            for (int kept = countNonzero(out, g, m); kept > n; kept--) {
                int smallest = -1;
                for (int i = g; i < g + m; i++) {
                    if (out[i] != 0 && (smallest < 0 || Math.abs(out[i]) < Math.abs(out[smallest]))) smallest = i;
                }
                out[smallest] = 0;
            }
        }
        return out;
    }

    private static int countNonzero(float[] w, int from, int len) {
        int n = 0;
        for (int i = from; i < from + len; i++) if (w[i] != 0) n++;
        return n;
    }

    @Benchmark
    public float[] multiply(Traffic traffic) {
        WeightMatrix w = copies[next];
        next = next + 1 == copies.length ? 0 : next + 1;
        if (batch == 1) w.multiplyVector(x, y);
        else w.multiplyBatch(x, batch, y);
        traffic.gbyte += w.bytes() * 1e-9;
        return y;
    }
}
