package jprune.deploy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import jprune.deploy.format.WeightFormats;
import jprune.deploy.format.WeightMatrix;
import jprune.nn.Parameter;
import jprune.nn.models.Models;
import jprune.prune.Prunable;
import jprune.tensor.Rng;
import jprune.tensor.Timing;

/**
 * Throughput of every sparse format against our dense kernel, shape by shape and density by
 * density, at batch 1 and at a serving batch. "warm" repeats one matrix (it may sit in cache);
 * "streaming" cycles through enough copies that together they exceed the last-level cache several
 * times over, as a model's weights do when it runs. Masks are random at the given density:
 * unstructured for CSR and bitmask, whole blocks for block formats, N of every M for N:M (only at
 * the density the pattern implies).
 */
public final class SparseBenchmark {
    /** A weight shape to measure, with the layer it comes from. */
    public record Shape(String layer, int rows, int cols) {}

    /**
     * One measurement: useful GFLOPS (2·nonzeros·batch per second) and speedup over dense at the
     * same shape, batch, mode and value type, with the range of the per-round speedups (dense and
     * the format timed in interleaved rounds). denseMicros is dense's median time in those same rounds
     * (its own time for dense): across a run's points it shows how steady dense's own time was.
     */
    public record Result(String layer, int rows, int cols, double density, String format, int batch, String mode,
                         double micros, double denseMicros, double gflops, double speedup, double speedupMin, double speedupMax,
                         long bytes, double intensity) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", layer);
            m.put("rows", rows);
            m.put("cols", cols);
            m.put("density", density);
            m.put("format", format);
            m.put("batch", batch);
            m.put("mode", mode);
            m.put("us", micros);
            m.put("dense_us", denseMicros);
            m.put("gflops", gflops);
            m.put("speedup", speedup);
            m.put("speedup_min", speedupMin);
            m.put("speedup_max", speedupMax);
            m.put("bytes", bytes);
            m.put("flops_per_byte", intensity);
            return m;
        }
    }

    /**
     * Bytes the streaming mode's copies add up to at least. The machines have a 32 MiB
     * last-level cache; the VM measured here reports 480 MiB of L3 and behaves like 40-160 MB, so 96
     * MiB still left dense weights partly cached (47 GB/s "streaming", above the 33 GB/s a plain read
     * reaches). 512 MiB is beyond either.
     */
    static final long STREAM_BYTES = 512L << 20;
    /**
     * Samples of at least 2 ms (a 0.1-0.3 ms sparse product was one call per 0.1 ms sample, each
     * paying the switch from the dense call before it) in 15 to 61 rounds. It did not make two runs
     * agree more often on a shared Intel VM (68 of 76 speedups within 15%, against 70 of 76 with 0.1
     * ms samples in at most 31 rounds; 181 rounds did no better on the batch-1 points): there the
     * misses move with the machine's load from run to run, not within a point's rounds.
     */
    static final Timing.Rounds ROUNDS = new Timing.Rounds(2_000_000, 15, 61);
    static final List<String> UNSTRUCTURED = List.of("csr", "bitmask");
    static final List<String> BLOCKS = List.of("block4x4");

    private final double millisPerPoint;
    private final boolean int8;

    public SparseBenchmark(double millisPerPoint, boolean int8) {
        this.millisPerPoint = millisPerPoint;
        this.int8 = int8;
    }

    /** The 2-D weight shapes (outputs × flattened inputs) of the reference CNNs and MLP. */
    public static List<Shape> referenceShapes() {
        List<Shape> out = new ArrayList<>();
        for (String model : List.of("lenet-300-100", "lenet-5", "convnet")) {
            for (Map.Entry<String, Parameter> e : Prunable.weights(Models.build(Models.defaultConfig(model), 0)).entrySet()) {
                Parameter p = e.getValue();
                out.add(new Shape(model + ":" + e.getKey(), p.size(0), p.numel() / p.size(0)));
            }
        }
        return out;
    }

    /** Measures every format at every density; `mode` is "warm" or "streaming". Results go to sink as they come. */
    public List<Result> run(Shape shape, double[] densities, int[] batches, String mode, Consumer<Result> sink) {
        List<Result> out = new ArrayList<>();
        Rng rng = new Rng(shape.rows() * 31L + shape.cols());
        float[] full = new float[shape.rows() * shape.cols()];
        for (int i = 0; i < full.length; i++) full[i] = (float) rng.nextGaussian();
        // Dense stays alive throughout: every format is timed against it in interleaved rounds.
        List<WeightMatrix> dense = copies("dense", full, shape, mode);
        for (int batch : batches) add(out, sink, measure(shape, 1.0, dense, dense, batch, mode));
        for (double d : densities) {
            for (String f : UNSTRUCTURED) measureAll(out, sink, shape, d, f, unstructured(full, d, rng), batches, mode, dense);
            for (String f : BLOCKS) measureAll(out, sink, shape, d, f, blocks(full, shape, 4, 4, d, rng), batches, mode, dense);
            for (int[] nm : new int[][] {{2, 4}, {1, 4}, {1, 8}}) {
                if (Math.abs((double) nm[0] / nm[1] - d) < 1e-9)
                    measureAll(out, sink, shape, d, nm[0] + ":" + nm[1], nOfM(full, shape, nm[0], nm[1], rng), batches, mode, dense);
            }
        }
        return out;
    }

    private void measureAll(List<Result> out, Consumer<Result> sink, Shape shape, double density, String format, float[] w,
                            int[] batches, String mode, List<WeightMatrix> dense) {
        List<WeightMatrix> ms = copies(format, w, shape, mode);
        for (int batch : batches) add(out, sink, measure(shape, density, ms, dense, batch, mode));
    }

    private static void add(List<Result> out, Consumer<Result> sink, Result r) {
        out.add(r);
        if (sink != null) sink.accept(r);
    }

    private List<WeightMatrix> copies(String format, float[] w, Shape shape, String mode) {
        WeightMatrix first = WeightFormats.encode(format, w, shape.rows(), shape.cols(), int8);
        List<WeightMatrix> ms = new ArrayList<>(List.of(first));
        if (mode.equals("streaming")) {
            long n = Math.max(2, (STREAM_BYTES + first.bytes() - 1) / Math.max(1, first.bytes()));
            for (int i = 1; i < n; i++) ms.add(WeightFormats.encode(format, w, shape.rows(), shape.cols(), int8));
        }
        return ms;
    }

    /**
     * Times the format's product and dense's in interleaved rounds (dense alone when ms is dense);
     * the speedup is the median of the per-round ratios, with their range.
     */
    private Result measure(Shape shape, double density, List<WeightMatrix> ms, List<WeightMatrix> dense, int batch, String mode) {
        WeightMatrix m0 = ms.get(0);
        float[] x = new float[shape.cols() * batch], y = new float[shape.rows() * batch];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i * 0.61);
        Runnable call = cycling(ms, x, y, batch);
        // Until C2 has compiled a kernel it runs a hundred times slower: warm up by calls, not by time.
        // Dense is measured first at each batch, so it is warm when the formats are timed against it.
        Timing.warmUntilSteady(call, 4_000_000_000L, batch == 1 ? 3000 : 300);
        double us, denseUs;
        Timing.Ratio speedup;
        if (ms == dense) {
            us = denseUs = Timing.median(Timing.interleavedSamples(List.of(call), millisPerPoint, ROUNDS)[0]);
            speedup = new Timing.Ratio(1, 1, 1);
        } else {
            Runnable denseCall = cycling(dense, x, new float[y.length], batch);
            double[][] t = Timing.interleavedSamples(List.of(denseCall, call), millisPerPoint, ROUNDS);
            us = Timing.median(t[1]);
            denseUs = Timing.median(t[0]);
            speedup = Timing.Ratio.of(t[0], t[1]);
        }
        double flops = 2.0 * m0.nonzeros() * batch;
        long moved = m0.bytes() + 4L * (shape.cols() + shape.rows()) * batch;
        return new Result(shape.layer(), shape.rows(), shape.cols(), density, m0.format(), batch, mode, us, denseUs, flops / us / 1e3,
                speedup.median(), speedup.min(), speedup.max(), m0.bytes(), flops / moved);
    }

    /** One product per call, moving through the copies in turn (streaming mode: past the cache). */
    private static Runnable cycling(List<WeightMatrix> ms, float[] x, float[] y, int batch) {
        int[] next = {0};
        return () -> {
            WeightMatrix m = ms.get(next[0]);
            next[0] = next[0] + 1 == ms.size() ? 0 : next[0] + 1;
            if (batch == 1) m.multiplyVector(x, y);
            else m.multiplyBatch(x, batch, y);
        };
    }

    static float[] unstructured(float[] full, double density, Rng rng) {
        float[] w = full.clone();
        for (int i = 0; i < w.length; i++) if (rng.nextFloat() >= density) w[i] = 0f;
        return w;
    }

    static float[] blocks(float[] full, Shape s, int br, int bc, double density, Rng rng) {
        float[] w = full.clone();
        int nr = (s.rows() + br - 1) / br, nc = (s.cols() + bc - 1) / bc;
        for (int b = 0; b < nr * nc; b++) {
            if (rng.nextFloat() < density) continue;
            int r0 = (b / nc) * br, c0 = (b % nc) * bc;
            for (int r = r0; r < Math.min(s.rows(), r0 + br); r++) Arrays.fill(w, r * s.cols() + c0, r * s.cols() + Math.min(s.cols(), c0 + bc), 0f);
        }
        return w;
    }

    static float[] nOfM(float[] full, Shape s, int n, int m, Rng rng) {
        float[] w = full.clone();
        int[] idx = new int[m];
        for (int r = 0; r < s.rows(); r++) {
            for (int g = 0; g < s.cols(); g += m) {
                int len = Math.min(m, s.cols() - g);
                for (int i = 0; i < len; i++) idx[i] = i;
                for (int i = len - 1; i > 0; i--) {   // Fisher-Yates: which n of the group survive
                    int j = rng.nextInt(i + 1), t = idx[i];
                    idx[i] = idx[j];
                    idx[j] = t;
                }
                for (int i = Math.min(n, len); i < len; i++) w[r * s.cols() + g + idx[i]] = 0f;
            }
        }
        return w;
    }
}
