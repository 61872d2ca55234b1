package jprune.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import jprune.deploy.format.WeightFormats;
import jprune.deploy.format.WeightMatrix;
import jprune.tensor.Parallel;
import jprune.tensor.Rng;

/**
 * The sparse-format speedups over dense on one 4096×4096 layer, side by side in one run, and the
 * machine's streaming read bandwidth they are bounded by. Not JMH: every variant runs once per trial,
 * trials interleave the variants (so a noisy neighbour hits all of them alike), and the report is
 * the median over trials of each variant's time per product. Each variant cycles through enough
 * copies of its matrix to total {@code -Dbytes} (default 520 MiB, above the last-level cache), so
 * weights come from memory.
 *
 * <p>Bandwidth: every thread sums its contiguous half of a 1 GiB float array (a read-only stream,
 * the access pattern of a matrix-vector product), walking it as one sequential stream and as four
 * (its quarters in lockstep). Four streams per thread keep more misses in flight and read faster on
 * the machines we use; the larger figure is the machine's streaming bandwidth.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Xmx8g -cp bench/target/jprune-bench.jar
 * jprune.bench.SparseTargets [trials] [formats]}, formats like {@code csr,2:4,bitmask,csr-int8}:
 * each gets a 10% random matrix, N:M formats a random 2:4 one, blockRxC formats one with 10% of
 * its R×C blocks dense.
 */
public final class SparseTargets {
    private static final int N = 4096;
    /**
     * The hardware's own widest vectors, not {@link jprune.tensor.VectorPolicy}'s: this measures the
     * machine's ceiling. Its lane sums (reduceLanes, in any order) only keep results alive.
     */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static volatile float sink;

    private record Variant(String name, int copies, IntConsumer call) {}

    private SparseTargets() {}

    public static void main(String[] args) {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        String formats = args.length > 1 ? args[1] : "csr,2:4";
        long cycle = Long.getLong("bytes", 520L << 20);
        int threads = Integer.getInteger("threads", 2);
        Parallel.setThreads(threads);
        Rng rng = new Rng(7);
        float[] x1 = random(rng, N), x64 = random(rng, N * 64), y1 = new float[N], y64 = new float[N * 64];

        float[] big = new float[1 << 28];
        Arrays.fill(big, 1f);
        for (int i = 0; i < 20_000; i++) sink += sumPart(big, 0, 4096, 1) + sumPart(big, 0, 4096, 4);

        List<Variant> vs = new ArrayList<>();
        float[] dense = weights(rng, 1.0, 0);
        List<WeightMatrix> d = copies("dense", dense, false, cycle);
        vs.add(new Variant("dense b1", d.size(), i -> d.get(i).multiplyVector(x1, y1)));
        vs.add(new Variant("dense b64", d.size(), i -> d.get(i).multiplyBatch(x64, 64, y64)));
        float[] sparse = weights(rng, 0.1, 0), nm = weights(rng, 1.0, 4);
        for (String f : formats.split(",")) {
            boolean int8 = f.endsWith("-int8");
            String base = int8 ? f.substring(0, f.length() - 5) : f;
            float[] w = base.contains(":") ? nm : base.startsWith("block") ? blocks(rng, base) : sparse;
            List<WeightMatrix> m = copies(base, w, int8, cycle);
            System.out.printf("%-12s %6.1f MB per copy, %d copies%n", f, m.get(0).bytes() / 1e6, m.size());
            vs.add(new Variant(f + " b1", m.size(), i -> m.get(i).multiplyVector(x1, y1)));
            vs.add(new Variant(f + " b64", m.size(), i -> m.get(i).multiplyBatch(x64, 64, y64)));
        }

        double[] stream = new double[trials], stream4 = new double[trials];
        double[][] t = new double[vs.size()][trials];
        for (int trial = -2; trial < trials; trial++) {
            double s1 = stream(big, threads, 1), s4 = stream(big, threads, 4);
            if (trial >= 0) {
                stream[trial] = s1;
                stream4[trial] = s4;
            }
            for (int v = 0; v < vs.size(); v++) {
                Variant var = vs.get(v);
                long t0 = System.nanoTime();
                for (int i = 0; i < var.copies; i++) var.call.accept(i);
                double sec = (System.nanoTime() - t0) * 1e-9 / var.copies;
                sink += y1[1] + y64[1];
                if (trial >= 0) t[v][trial] = sec;
            }
        }
        double gbs1 = 4.0 * big.length / median(stream) / 1e9, gbs = Math.max(gbs1, 4.0 * big.length / median(stream4) / 1e9);
        System.out.printf("%d threads, %d trials, medians (min-max)%n", threads, trials);
        System.out.printf("stream read 1 GiB   %8.2f GB/s with 1 stream per thread, %.2f GB/s best%n", gbs1, gbs);
        double denseB1 = median(t[0]), denseB64 = median(t[1]);
        for (int v = 0; v < vs.size(); v++) {
            double[] s = t[v].clone();
            Arrays.sort(s);
            double med = median(t[v]);
            String name = vs.get(v).name;
            double ratio = (name.endsWith("b1") ? denseB1 : denseB64) / med;
            System.out.printf("%-16s %9.3f ms (%.3f-%.3f)  %5.2fx dense%n", name, med * 1e3, s[0] * 1e3, s[s.length - 1] * 1e3, ratio);
        }
        double denseGbs = 4.0 * N * N / denseB1 / 1e9;
        System.out.printf("dense b1 streams %.2f GB/s = %.0f%% of the stream bandwidth%n", denseGbs, 100 * denseGbs / gbs);
    }

    private static float[] random(Rng rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = 2 * rng.nextFloat() - 1;
        return x;
    }

    /** Random N×N weights at a density, or (m > 0) with 2 random nonzeros in every m consecutive columns. */
    private static float[] weights(Rng rng, double density, int m) {
        float[] w = new float[N * N];
        if (m > 0) {
            int[] order = new int[m];
            for (int g = 0; g < w.length; g += m) {
                for (int i = 0; i < m; i++) order[i] = i;
                rng.shuffle(order);
                for (int i = 0; i < 2; i++) w[g + order[i]] = 2 * rng.nextFloat() - 1;
            }
        } else {
            for (int i = 0; i < w.length; i++) if (rng.nextDouble() < density) w[i] = 2 * rng.nextFloat() - 1;
        }
        return w;
    }

    /** 10% of the R×C blocks of a "blockRxC" format dense, the rest zero. */
    private static float[] blocks(Rng rng, String format) {
        String[] rc = format.substring("block".length()).split("x");
        int br = Integer.parseInt(rc[0]), bc = Integer.parseInt(rc[1]);
        float[] w = new float[N * N];
        for (int i = 0; i < N; i += br) {
            for (int j = 0; j < N; j += bc) {
                if (rng.nextDouble() >= 0.1) continue;
                for (int r = i; r < Math.min(N, i + br); r++) {
                    for (int c = j; c < Math.min(N, j + bc); c++) w[r * N + c] = 2 * rng.nextFloat() - 1;
                }
            }
        }
        return w;
    }

    private static List<WeightMatrix> copies(String format, float[] w, boolean int8, long cycle) {
        List<WeightMatrix> l = new ArrayList<>();
        l.add(WeightFormats.encode(format, w, N, N, int8));
        long n = Math.max(4, (cycle + l.get(0).bytes() - 1) / l.get(0).bytes());
        while (l.size() < n) l.add(WeightFormats.encode(format, w, N, N, int8));
        return l;
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** Sum of a[from, to) read as one stream (streams = 1) or as its four quarters in lockstep. */
    static float sumPart(float[] a, int from, int to, int streams) {
        int lanes = F.length();
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        if (streams == 1) {
            for (int i = from; i + 4 * lanes <= to; i += 4 * lanes) {
                s0 = s0.add(FloatVector.fromArray(F, a, i));
                s1 = s1.add(FloatVector.fromArray(F, a, i + lanes));
                s2 = s2.add(FloatVector.fromArray(F, a, i + 2 * lanes));
                s3 = s3.add(FloatVector.fromArray(F, a, i + 3 * lanes));
            }
        } else {
            int q = (to - from) / 4 / lanes * lanes;
            for (int i = from; i < from + q; i += lanes) {
                s0 = s0.add(FloatVector.fromArray(F, a, i));
                s1 = s1.add(FloatVector.fromArray(F, a, i + q));
                s2 = s2.add(FloatVector.fromArray(F, a, i + 2 * q));
                s3 = s3.add(FloatVector.fromArray(F, a, i + 3 * q));
            }
        }
        return s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
    }

    /** Seconds to read the whole array once, each of the threads summing a contiguous part. */
    private static double stream(float[] a, int threads, int streams) {
        float[] part = new float[threads];
        long t0 = System.nanoTime();
        Parallel.forRange(threads, 1, (chunk, from, to) ->
                part[chunk] = sumPart(a, Parallel.bound(a.length, threads, from), Parallel.bound(a.length, threads, to), streams));
        double sec = (System.nanoTime() - t0) * 1e-9;
        for (float p : part) sink += p;
        return sec;
    }
}
