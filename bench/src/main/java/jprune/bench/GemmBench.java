package jprune.bench;

import java.util.concurrent.TimeUnit;
import jprune.tensor.Gemm;
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
 * GEMM throughput. The secondary result {@code gflop} (in gflop/s) is the GFLOPS figure; the primary
 * ops/s counts calls. Shapes are {@code TRANS:m:n:k} with TRANS the transposes of A and B:
 * NT:128:300:784 is (128×784)·(300×784)ᵀ, a dense layer's forward pass; TN:300:784:128 is
 * (128×300)ᵀ·(128×784), its weight gradient; NN:6:784:25 is one image of a 5×5 convolution with 6
 * filters on 28×28 (im2col). Run: {@code java -jar bench/target/jprune-bench.jar GemmBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBench {
    @Param({"NN:2048:2048:2048", "NT:128:300:784", "TN:300:784:128", "NN:128:300:784", "NN:300:784:128",
            "NN:6:784:25", "NN:16:100:150"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private boolean transA, transB;
    private int m, n, k;
    private float[] a, b, c;
    private double gflopPerCall;
    private int savedThreads;

    /** Counts work done so that JMH reports it per second: gflop/s is GFLOPS. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Work {
        public double gflop;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
        }
    }

    @Setup
    public void setUp() {
        String[] f = shape.split(":");
        transA = f[0].charAt(0) == 'T';
        transB = f[0].charAt(1) == 'T';
        m = Integer.parseInt(f[1]);
        n = Integer.parseInt(f[2]);
        k = Integer.parseInt(f[3]);
        Rng rng = new Rng(42);
        a = random(rng, m * k);
        b = random(rng, k * n);
        c = new float[m * n];
        gflopPerCall = 2e-9 * m * n * k;
        savedThreads = Parallel.threads();
        Parallel.setThreads(threads);
    }

    @TearDown
    public void tearDown() {
        Parallel.setThreads(savedThreads);
    }

    private static float[] random(Rng rng, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = 2 * rng.nextFloat() - 1;
        return x;
    }

    @Benchmark
    public float[] gemm(Work work) {
        Gemm.gemm(transA, transB, m, n, k, a, 0, transA ? m : k, b, 0, transB ? k : n, false, c, 0, n);
        work.gflop += gflopPerCall;
        return c;
    }
}
