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
import jprune.tensor.Parallel;
import jprune.tensor.Rng;
import jprune.tensor.Timing;

/**
 * Throughput of every sparse format against our dense kernel, shape by shape and density by
 * density, at batch 1 and at a serving batch. "warm" repeats one matrix (it may sit in cache);
 * "streaming" cycles through enough copies that together they exceed the last-level cache several
 * times over, as a model's weights do when it runs. Masks are random at the given density:
 * unstructured for CSR, bitmask and sliced ELL (warm only), whole blocks for block formats, N of every M for N:M (only at
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
     * How much faster a batch-1 product ran on all of the run's threads than on one, timed in the
     * same spread rounds as the shape's points: the median of per-round ratios (one thread's time
     * over all threads'), with their range. A gathering kernel (CSR) is bound by its core, dense at
     * batch 1 by memory, so a host that gives the second thread no core of its own (both vCPUs on
     * one physical core, or another tenant on the sibling) slows the first and not the second, and
     * the run's batch-1 speedups of gathering formats read low: this says when.
     */
    public record Scaling(String layer, String format, double density, String mode, int threads,
                          double oneThreadMicros, double micros, double speedup, double speedupMin, double speedupMax) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", layer);
            m.put("format", format);
            m.put("density", density);
            m.put("batch", 1);
            m.put("mode", mode);
            m.put("threads", threads);
            m.put("us_one_thread", oneThreadMicros);
            m.put("us", micros);
            m.put("speedup", speedup);
            m.put("speedup_min", speedupMin);
            m.put("speedup_max", speedupMax);
            return m;
        }
    }

    /**
     * Bytes dense's streaming copies add up to at least. The machines have a 32 MiB
     * last-level cache; the VM measured here reports 480 MiB of L3 and behaves like 40-160 MB, so 96
     * MiB still left dense weights partly cached (47 GB/s "streaming", above the 33 GB/s a plain read
     * reaches). 512 MiB is beyond either.
     */
    static final long STREAM_BYTES = 512L << 20;
    /**
     * Bytes each format's streaming copies add up to at least. Fewer than dense's because every
     * format is timed alternating with dense, whose samples stream at least one 64 MiB copy (at
     * 4096²), and because all of a shape's formats are held at once (see {@link #run}): at 512 MiB
     * each the 19 formats of a 4096² run would need 10 GiB. A copy comes back after at least 128
     * MiB of its own copies and one of dense's. Timed against each other in one run (2026-12-05,
     * Zen 5, each interleaved with dense): pools of 32, 128 and 512 MiB gave CSR 10% 383/381/370
     * µs at batch 1, CSR 2% 96-123 µs alike, bitmask 50% 844/842/803 µs.
     */
    static final long FORMAT_STREAM_BYTES = 128L << 20;
    /**
     * Samples of at least 2 ms (a 0.1-0.3 ms sparse product was one call per 0.1 ms sample, each
     * paying the switch from the dense call before it), 15 to 601 rounds spread over the whole
     * measurement of a shape (see {@link Timing#spreadSamples}). Measured point after point, in at
     * most 61 rounds, two runs on a shared Zen 5 VM agreed on only 23-32 of 38 large-shape speedups:
     * each point caught whichever state the machine's memory was in for its second or so.
     */
    static final Timing.Rounds ROUNDS = new Timing.Rounds(2_000_000, 15, 601);
    /**
     * Milliseconds each call runs just before the timing starts, to count how many calls make a
     * sample: each point is warmed up by calls before (see {@link #warm}).
     */
    static final double WARM_MILLIS = 30;
    /** Share of the maximum heap a shape's format copies may take at once; more are measured in turns. */
    static final double HEAP_SHARE = 0.6;
    static final List<String> UNSTRUCTURED = List.of("csr", "bitmask");
    /**
     * Unstructured formats timed only warm: sliced ELL is for layers that stay in cache. Streamed
     * from memory its padding (about half its slots at 10% density) reads more bytes than CSR:
     * 4096×4096 at 10%, one thread, 1145 µs against CSR's 962 (2026-12-05, Zen 5 VM, a prototype).
     */
    static final List<String> WARM_ONLY = List.of("sell");
    static final List<String> BLOCKS = List.of("block4x4");

    private final double millisPerPoint;
    private final boolean int8;
    private final Consumer<String> progress;
    /** Bytes of format copies held at once; negative: {@link #HEAP_SHARE} of the heap, less dense's copies. */
    private final long groupBytes;
    private final List<Scaling> scaling = new ArrayList<>();

    public SparseBenchmark(double millisPerPoint, boolean int8) {
        this(millisPerPoint, int8, line -> {});
    }

    /** progress hears a line when a shape's points start warming up and when their timing starts. */
    public SparseBenchmark(double millisPerPoint, boolean int8, Consumer<String> progress) {
        this(millisPerPoint, int8, progress, -1);
    }

    SparseBenchmark(double millisPerPoint, boolean int8, Consumer<String> progress, long groupBytes) {
        this.millisPerPoint = millisPerPoint;
        this.int8 = int8;
        this.progress = progress;
        this.groupBytes = groupBytes;
    }

    /**
     * The thread-scaling probes measured so far ({@link Scaling}): at batch 1, for each shape and
     * mode whose dense product is large enough to be split over threads, dense and the CSR format
     * nearest 10% density, when the run has more than one thread.
     */
    public List<Scaling> scaling() {
        return List.copyOf(scaling);
    }

    /** Below this many multiply-adds a batch-1 product stays on one thread (as the kernels decide), so threads cannot speed it up. */
    static final long SCALING_MIN_WORK = 1L << 20;

    /** The CSR density nearest 10% (the issue-4 target's), or NaN. */
    static double scalingDensity(List<Double> csrDensities) {
        double best = Double.NaN;
        for (double d : csrDensities) if (Double.isNaN(best) || Math.abs(d - 0.1) < Math.abs(best - 0.1)) best = d;
        return best;
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

    /**
     * A format at one density, its copies encoded, waiting to be measured at every batch. Every call
     * that uses the copies, whichever point it times, takes the next one in turn ({@link #take}), so
     * a call never finds the copy another point's call has just read still in the cache. (With a
     * counter per point, points whose counters happened to run in step read one copy back to back:
     * on a VM with a large last-level cache dense then took 1.45 ms at some points and 2.1 ms at
     * others, by chance, in every run.)
     */
    static final class Encoded {
        private final double density;
        private final List<WeightMatrix> copies;
        private int next;

        Encoded(double density, List<WeightMatrix> copies) {
            this.density = density;
            this.copies = copies;
        }

        double density() {
            return density;
        }

        List<WeightMatrix> copies() {
            return copies;
        }

        /** The copy after the one taken last (one thread times at a time). */
        WeightMatrix take() {
            WeightMatrix m = copies.get(next);
            next = next + 1 == copies.size() ? 0 : next + 1;
            return m;
        }

        long bytes() {
            return copies.stream().mapToLong(WeightMatrix::bytes).sum();
        }
    }

    /**
     * Measures every format at every density; `mode` is "warm" or "streaming". Every point of the
     * shape is encoded and warmed up first, then all are timed together with their rounds spread
     * over the whole measurement ({@link Timing#spreadSamples}), so each speedup is taken across
     * the same changes in the machine's speed. Formats whose copies would take more than {@link
     * #HEAP_SHARE} of the heap are measured in turns. Results go to sink in the order listed.
     */
    public List<Result> run(Shape shape, double[] densities, int[] batches, String mode, Consumer<Result> sink) {
        List<Result> out = new ArrayList<>();
        Rng rng = new Rng(shape.rows() * 31L + shape.cols());
        float[] full = new float[shape.rows() * shape.cols()];
        for (int i = 0; i < full.length; i++) full[i] = (float) rng.nextGaussian();
        // Dense stays alive throughout: every format is timed against it in interleaved rounds.
        Encoded dense = new Encoded(1.0, copies("dense", full, shape, mode, STREAM_BYTES));
        long budget = groupBytes >= 0 ? groupBytes
                : (long) (HEAP_SHARE * Runtime.getRuntime().maxMemory()) - dense.bytes() - 4L * full.length;
        List<Encoded> group = new ArrayList<>(List.of(dense));   // dense's own points go with the first group
        long held = 0;
        for (double d : densities) {
            // Each format's weights are drawn just before it is encoded (one full-size array alive at a time), in a fixed order.
            Map<String, java.util.function.Supplier<float[]>> formats = new LinkedHashMap<>();
            for (String f : UNSTRUCTURED) formats.put(f, () -> unstructured(full, d, rng));
            if (mode.equals("warm")) for (String f : WARM_ONLY) formats.put(f, () -> unstructured(full, d, rng));
            for (String f : BLOCKS) formats.put(f, () -> blocks(full, shape, 4, 4, d, rng));
            for (int[] nm : new int[][] {{2, 4}, {1, 4}, {1, 8}}) {
                if (Math.abs((double) nm[0] / nm[1] - d) < 1e-9) formats.put(nm[0] + ":" + nm[1], () -> nOfM(full, shape, nm[0], nm[1], rng));
            }
            for (Map.Entry<String, java.util.function.Supplier<float[]>> format : formats.entrySet()) {
                Map.Entry<String, float[]> f = Map.entry(format.getKey(), format.getValue().get());
                WeightMatrix first = WeightFormats.encode(f.getKey(), f.getValue(), shape.rows(), shape.cols(), int8);
                long need = copiesNeeded(first, mode, FORMAT_STREAM_BYTES) * first.bytes();
                if (held > 0 && held + need > budget) {
                    measureGroup(shape, group, dense, batches, mode, out, sink);
                    group.clear();
                    held = 0;
                }
                group.add(new Encoded(d, copies(f.getKey(), first, f.getValue(), shape, mode, FORMAT_STREAM_BYTES)));
                held += need;
            }
        }
        measureGroup(shape, group, dense, batches, mode, out, sink);
        return out;
    }

    /** Warms up and times every batch of every format in the group (dense itself, if listed), then reports them in order. */
    private void measureGroup(Shape shape, List<Encoded> group, Encoded dense, int[] batches, String mode,
                              List<Result> out, Consumer<Result> sink) {
        List<List<Runnable>> sets = new ArrayList<>();
        List<Encoded> of = new ArrayList<>();
        List<Integer> batchOf = new ArrayList<>();
        Map<Integer, float[]> inputs = new LinkedHashMap<>();
        for (int batch : batches) {
            float[] x = new float[shape.cols() * batch];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i * 0.61);
            inputs.put(batch, x);
        }
        progress.accept(String.format(java.util.Locale.ROOT, "%s %s: warming up %d points", shape.layer(), mode, group.size() * batches.length));
        // Dense is warmed up first at each batch (it is listed first when it is measured itself, and
        // warmed here otherwise), so it is warm when the formats are timed against it.
        if (group.get(0) != dense) for (int batch : batches) warm(cycling(dense, inputs.get(batch), new float[shape.rows() * batch], batch), batch);
        for (Encoded e : group) {
            for (int batch : batches) {
                float[] x = inputs.get(batch);
                Runnable call = cycling(e, x, new float[shape.rows() * batch], batch);
                warm(call, batch);
                sets.add(e == dense ? List.of(call) : List.of(cycling(dense, x, new float[shape.rows() * batch], batch), call));
                of.add(e);
                batchOf.add(batch);
            }
        }
        int points = sets.size();
        List<Encoded> probed = scalingProbes(shape, group, dense, batches);
        for (Encoded e : probed) {
            Runnable threads = cycling(e, inputs.get(1), new float[shape.rows()], 1);
            Runnable one = cycling(e, inputs.get(1), new float[shape.rows()], 1);
            sets.add(List.of(() -> Parallel.runAsChunk(one), threads));
        }
        progress.accept(String.format(java.util.Locale.ROOT, "%s %s: timing %d points together (about %.0f s)", shape.layer(), mode, sets.size(),
                sets.size() * millisPerPoint / 1e3));
        double[][][] t = Timing.spreadSamples(sets, WARM_MILLIS, millisPerPoint, ROUNDS);
        for (int i = 0; i < points; i++) add(out, sink, result(shape, of.get(i), batchOf.get(i), mode, t[i]));
        for (int i = 0; i < probed.size(); i++) {
            double[][] p = t[points + i];
            Timing.Ratio r = Timing.Ratio.of(p[0], p[1]);
            WeightMatrix m0 = probed.get(i).copies().get(0);
            scaling.add(new Scaling(shape.layer(), m0.format(), probed.get(i).density(), mode, Parallel.threads(),
                    Timing.median(p[0]), Timing.median(p[1]), r.median(), r.min(), r.max()));
        }
    }

    /**
     * What the group's thread-scaling probes time ({@link Scaling}): dense, if the group times it,
     * and the group's CSR nearest 10% density; none without batch 1, with one thread or below
     * {@link #SCALING_MIN_WORK}. Their one-thread calls are warmed up by the all-threads ones.
     */
    private static List<Encoded> scalingProbes(Shape shape, List<Encoded> group, Encoded dense, int[] batches) {
        if (Parallel.threads() < 2 || (long) shape.rows() * shape.cols() < SCALING_MIN_WORK || Arrays.stream(batches).noneMatch(b -> b == 1))
            return List.of();
        List<Encoded> out = new ArrayList<>();
        if (group.get(0) == dense) out.add(group.get(0));
        List<Double> csr = group.stream().filter(e -> e.copies().get(0).format().startsWith("csr")).map(Encoded::density).toList();
        double d = scalingDensity(csr);
        group.stream().filter(e -> e.copies().get(0).format().startsWith("csr") && e.density() == d).findFirst().ifPresent(out::add);
        return out;
    }

    /** Until C2 has compiled a kernel it runs a hundred times slower: warm up by calls, not by time. */
    private static void warm(Runnable call, int batch) {
        Timing.warmUntilSteady(call, 4_000_000_000L, batch == 1 ? 3000 : 300);
    }

    /**
     * The point's figures from its samples: t[0] dense's and t[1] the format's (t[0] alone for
     * dense); the speedup is the median of the per-round ratios, with their range.
     */
    private static Result result(Shape shape, Encoded e, int batch, String mode, double[][] t) {
        WeightMatrix m0 = e.copies().get(0);
        double denseUs = Timing.median(t[0]);
        double us = Timing.median(t[t.length - 1]);
        Timing.Ratio speedup = t.length == 1 ? new Timing.Ratio(1, 1, 1) : Timing.Ratio.of(t[0], t[1]);
        double flops = 2.0 * m0.nonzeros() * batch;
        long moved = m0.bytes() + 4L * (shape.cols() + shape.rows()) * batch;
        return new Result(shape.layer(), shape.rows(), shape.cols(), e.density(), m0.format(), batch, mode, us, denseUs, flops / us / 1e3,
                speedup.median(), speedup.min(), speedup.max(), m0.bytes(), flops / moved);
    }

    private static void add(List<Result> out, Consumer<Result> sink, Result r) {
        out.add(r);
        if (sink != null) sink.accept(r);
    }

    private List<WeightMatrix> copies(String format, float[] w, Shape shape, String mode, long streamBytes) {
        return copies(format, WeightFormats.encode(format, w, shape.rows(), shape.cols(), int8), w, shape, mode, streamBytes);
    }

    /** first (w in the format), and in streaming mode further encodings of w until they total streamBytes (at least two). */
    private List<WeightMatrix> copies(String format, WeightMatrix first, float[] w, Shape shape, String mode, long streamBytes) {
        List<WeightMatrix> ms = new ArrayList<>(List.of(first));
        long n = copiesNeeded(first, mode, streamBytes);
        for (int i = 1; i < n; i++) ms.add(WeightFormats.encode(format, w, shape.rows(), shape.cols(), int8));
        return ms;
    }

    private static long copiesNeeded(WeightMatrix first, String mode, long streamBytes) {
        return mode.equals("streaming") ? Math.max(2, (streamBytes + first.bytes() - 1) / Math.max(1, first.bytes())) : 1;
    }

    /** One product per call, moving through the copies in turn (streaming mode: past the cache). */
    static Runnable cycling(Encoded e, float[] x, float[] y, int batch) {
        return () -> {
            WeightMatrix m = e.take();
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
