package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.deploy.MachineLimits;
import jprune.deploy.SparseBenchmark;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune bench sparse}: every sparse format against our dense kernel, by shape, density and batch. */
@Command(name = "sparse", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sparse × dense products in every format against our dense kernel: the reference models' layer shapes and 4096×4096, "
                + "at each density, batch 1 and 64. The reference shapes run 'warm' (one matrix repeated: they fit in cache, as in their models), "
                + "the large one 'streaming' (copies cycled, dense's totalling 512 MiB and each format's 128 MiB, so weights come from memory, "
                + "as a large model's do). A shape's points are warmed up, then timed together, each point's rounds spread over the whole measurement.",
                "Prints a table, the crossover densities and how steady dense's own time was across each shape's points (a move over 15%% means "
                + "another run's speedups may differ by more than that), and with more than one thread how much faster dense and CSR at about 10%% "
                + "ran at batch 1 on all threads than on one (a CSR gain under 1.3x means the host gave the second thread little of a core, and "
                + "gathering formats' batch-1 speedups read low); with --out DIR writes DIR/metrics.json and DIR/report.html (roofline)."})
final class BenchSparseCommand implements Callable<Integer> {
    @Option(names = "--shapes", paramLabel = "S", defaultValue = "all", description = "reference (the models' layers), large (4096×4096) or all. Default: ${DEFAULT-VALUE}.")
    String shapes;

    @Option(names = "--size", paramLabel = "N", defaultValue = "4096", description = "Side of the large square matrix. Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--large-modes", split = ",", paramLabel = "M", defaultValue = "streaming",
            description = "How to time the large shape: streaming, warm or both (warm,streaming). Default: ${DEFAULT-VALUE}. "
                    + "Warm is not the default there: its dense matrix (64 MiB at 4096) only partly fits a last-level cache, so its warm time, "
                    + "and each warm speedup, depends on how much of a shared cache other processes leave (on a shared VM, by up to 27%% from one run to the next).")
    List<String> largeModes;

    @Option(names = "--densities", split = ",", paramLabel = "D", defaultValue = "0.5,0.3,0.2,0.1,0.05,0.02", description = "Densities in (0, 1]. Default: ${DEFAULT-VALUE}.")
    List<Double> densities;

    @Option(names = "--batches", split = ",", paramLabel = "B", defaultValue = "1,64", description = "Batch sizes. Default: ${DEFAULT-VALUE}.")
    List<Integer> batches;

    @Option(names = "--int8", description = "Measure the int8-valued variants instead of fp32.")
    boolean int8;

    @Option(names = "--millis", paramLabel = "MS", description = "Time spent timing each point (its format and dense, in alternating samples). "
            + "Default: " + REFERENCE_MILLIS + " for the reference shapes, " + LARGE_MILLIS + " for the large one. A shape's points are timed together, "
            + "each point's samples spread over the whole measurement, so at the large shape's default every speedup is taken across the same "
            + "minute and a half of the machine's changes in speed.")
    Double millis;

    static final int REFERENCE_MILLIS = 700, LARGE_MILLIS = 2500;

    @Option(names = "--skip-limits", description = "Do not measure peak FMA throughput and memory bandwidth (no roofline ceilings).")
    boolean skipLimits;

    @Option(names = "--out", paramLabel = "DIR", description = "Write DIR/metrics.json and DIR/report.html.")
    Path out;

    @Mixin
    ThreadOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        if (!List.of("reference", "large", "all").contains(shapes)) throw new UsageException("--shapes must be reference, large or all, got '" + shapes + "'");
        if (size < 256 || size > 16384) throw new UsageException("--size must be in [256, 16384], got " + size);
        for (String m : largeModes)
            if (!List.of("warm", "streaming").contains(m)) throw new UsageException("--large-modes must be warm, streaming or both, got '" + m + "'");
        for (double d : densities) if (!(d > 0 && d <= 1)) throw new UsageException("--densities must be in (0, 1], got " + d);
        for (int b : batches) if (b < 1 || b > 4096) throw new UsageException("--batches must be in [1, 4096], got " + b);
        if (millis != null && !(millis >= 1)) throw new UsageException("--millis must be >= 1, got " + millis);
        if (out != null) Files.createDirectories(out);

        MachineLimits limits = skipLimits ? null : MachineLimits.measure();
        if (limits != null)
            System.out.printf(Locale.ROOT, "machine: peak %.0f GFLOPS (register-only FMA), %.1f GB/s streaming read, %d threads%n",
                    limits.peakGflops(), limits.bandwidthGBs(), limits.threads());
        double[] ds = densities.stream().mapToDouble(Double::doubleValue).toArray();
        int[] bs = batches.stream().mapToInt(Integer::intValue).toArray();
        List<SparseBenchmark.Result> all = new ArrayList<>();
        List<SparseBenchmark.Scaling> scaling = new ArrayList<>();
        // The reference layers fit in cache, as they do in their models: warm. The large shape runs as
        // --large-modes says (streaming unless asked), in the order warm, streaming.
        Map<SparseBenchmark.Shape, List<String>> plan = new LinkedHashMap<>();
        if (!shapes.equals("large")) for (SparseBenchmark.Shape s : SparseBenchmark.referenceShapes()) plan.put(s, List.of("warm"));
        SparseBenchmark.Shape large = new SparseBenchmark.Shape(size + "x" + size, size, size);
        if (!shapes.equals("reference"))
            plan.put(large, List.of("warm", "streaming").stream().filter(largeModes::contains).toList());
        System.out.printf(Locale.ROOT, "%-28s %10s %7s %-14s %5s %-9s %10s %8s %8s %13s%n", "layer", "shape", "density", "format", "batch", "mode", "µs", "GFLOPS", "speedup", "range");
        for (Map.Entry<SparseBenchmark.Shape, List<String>> e : plan.entrySet()) {
            SparseBenchmark bench = new SparseBenchmark(millis != null ? millis : e.getKey().equals(large) ? LARGE_MILLIS : REFERENCE_MILLIS, int8,
                    line -> System.err.println("bench sparse: " + line));
            for (String mode : e.getValue()) {
                all.addAll(bench.run(e.getKey(), ds, bs, mode, r -> System.out.printf(Locale.ROOT, "%-28s %10s %7.3f %-14s %5d %-9s %10.2f %8.2f %8.2f %6.2f-%-6.2f%n",
                        r.layer(), r.rows() + "x" + r.cols(), r.density(), r.format(), r.batch(), r.mode(), r.micros(), r.gflops(), r.speedup(),
                        r.speedupMin(), r.speedupMax())));
                if (out != null) write(limits, all, scaling);   // a killed run keeps what it measured
            }
            scaling.addAll(bench.scaling());
        }
        List<Map<String, Object>> crossovers = crossovers(all);
        for (Map<String, Object> c : crossovers) System.out.println("crossover: " + c);
        printSteadiness(steadiness(all));
        printScaling(scaling);
        if (out != null) write(limits, all, scaling);
        return 0;
    }

    private void write(MachineLimits limits, List<SparseBenchmark.Result> all, List<SparseBenchmark.Scaling> scaling) throws java.io.IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("int8", int8);
        if (limits != null) {
            m.put("peak_gflops", limits.peakGflops());
            m.put("bandwidth_gbs", limits.bandwidthGBs());
        }
        m.put("threads", jprune.tensor.Parallel.threads());
        m.put("cpu", jprune.tensor.Cpu.MODEL);
        m.put("csr_lockstep", jprune.deploy.format.WeightFormats.csrLockstep());
        List<Object> rs = new ArrayList<>();
        for (SparseBenchmark.Result r : all) rs.add(r.toMap());
        m.put("results", rs);
        m.put("crossovers", new ArrayList<Object>(crossovers(all)));
        m.put("steadiness", new ArrayList<Object>(steadiness(all)));
        List<Object> sc = new ArrayList<>();
        for (SparseBenchmark.Scaling x : scaling) sc.add(x.toMap());
        m.put("thread_scaling", sc);
        AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(m, true));
        BenchSparseReport.write(out.resolve("report.html"), m);
    }

    /**
     * How far dense's time moved across the points of one shape, batch and mode beyond which a run is
     * called unsteady: the same code timed at different points should take the same time, so a larger
     * move is the machine changing speed under the run (another tenant taking memory bandwidth or a
     * core's share) or, for warm layers, the format timed beside dense leaving it a different share of
     * the cache. The speedups compare kernels bound by different resources (a gathering kernel by
     * the core, dense at batch 1 by memory), so such a move changes them, and a second run's will
     * differ: on a busy 2-core Zen 5 VM (2026-12-04) dense at batch 1 moved 1.28–2.19 ms within runs
     * and only 23–29 of 38 speedups agreed within 15% between consecutive runs, where a quiet Intel VM
     * agreed on 37–38. Since a shape's points are timed together with their rounds spread
     * (2026-12-05), dense moves 1–9% there: a change that lasts the whole run is not seen here.
     */
    static final double UNSTEADY = 0.15;

    /**
     * One line per unsteady group, then one for the run: a reference run has 26 groups, and a line
     * each for the steady ones would bury the ones that matter.
     */
    private static void printSteadiness(List<Map<String, Object>> groups) {
        int unsteady = 0;
        double steadiest = 0;
        for (Map<String, Object> st : groups) {
            double moved = (Double) st.get("dense_moved");
            if (moved <= UNSTEADY) {
                steadiest = Math.max(steadiest, moved);
                continue;
            }
            unsteady++;
            System.out.printf(Locale.ROOT, "unsteady: %s batch %d %s: dense took %s–%s µs across its %d points (moved %.0f%%)%n", st.get("layer"),
                    st.get("batch"), st.get("mode"), micros((Double) st.get("dense_us_min")), micros((Double) st.get("dense_us_max")), st.get("points"), 100 * moved);
        }
        if (groups.isEmpty()) return;
        long limit = Math.round(100 * UNSTEADY);
        if (unsteady == 0)
            System.out.printf(Locale.ROOT, "steadiness: dense's time moved at most %.0f%% across the points of each of the %d shape, batch and mode groups%n",
                    100 * steadiest, groups.size());
        else
            System.out.printf(Locale.ROOT, "steadiness: in %d of %d shape, batch and mode groups dense's time moved more than %d%% between points (the machine's "
                    + "speed changed under the run or, warm, what was timed beside dense left it a different cache): another run's speedups there may differ "
                    + "by more than %d%%%n", unsteady, groups.size(), limit, limit);
    }

    /**
     * Below this a gathering kernel gained too little from the run's threads. On the 2-core Zen 5 VM
     * (2026-12-05) CSR 10% at 4096² ran 1.83-1.95x faster on two threads than on one in four runs
     * (324-416 against 594-803 µs); in an earlier run, before this probe, every gathering kernel
     * took its one-thread time throughout (CSR 10% 710 µs), and CSR 10% read 2.44x at batch 1
     * against 4.19x in the next run. A core slowed for both threads (one-thread time up, scaling
     * not down: 803 µs in one of the four) is not caught by this, only by the times themselves.
     */
    static final double LOW_SCALING = 1.3;

    /** One line per probe, and a warning where a gathering kernel gained little from the threads. */
    private static void printScaling(List<SparseBenchmark.Scaling> scaling) {
        for (SparseBenchmark.Scaling x : scaling) {
            System.out.printf(Locale.ROOT, "threads: %s %s %s at batch 1 ran %.2fx faster on %d threads than on one (%s against %s µs; rounds %.2f-%.2f)%n",
                    x.layer(), x.format(), x.format().startsWith("dense") ? x.mode() : String.format(Locale.ROOT, "%.0f%% %s", 100 * x.density(), x.mode()),
                    x.speedup(), x.threads(), micros(x.micros()), micros(x.oneThreadMicros()), x.speedupMin(), x.speedupMax());
            if (!x.format().startsWith("dense") && x.speedup() < LOW_SCALING)
                System.out.printf(Locale.ROOT, "threads: %s gained little from its second thread: the host may be running the threads on one core (or "
                        + "another tenant on its sibling); gathering formats' batch-1 speedups (CSR, bitmask, N:M) read low in this run%n", x.layer());
        }
    }

    /** Whole microseconds from 100 on, one decimal from 10, two below. */
    private static String micros(double us) {
        return String.format(Locale.ROOT, us >= 100 ? "%.0f" : us >= 10 ? "%.1f" : "%.2f", us);
    }

    /**
     * Per shape, batch and mode: dense's median time in the rounds of each point (its own and every
     * format's), as min, max and dense_moved = max / min − 1.
     */
    static List<Map<String, Object>> steadiness(List<SparseBenchmark.Result> all) {
        Map<String, List<SparseBenchmark.Result>> groups = new LinkedHashMap<>();
        for (SparseBenchmark.Result r : all) groups.computeIfAbsent(r.layer() + "|" + r.batch() + "|" + r.mode(), k -> new ArrayList<>()).add(r);
        List<Map<String, Object>> out = new ArrayList<>();
        for (List<SparseBenchmark.Result> g : groups.values()) {
            double min = g.stream().mapToDouble(SparseBenchmark.Result::denseMicros).min().orElseThrow();
            double max = g.stream().mapToDouble(SparseBenchmark.Result::denseMicros).max().orElseThrow();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", g.get(0).layer());
            m.put("batch", g.get(0).batch());
            m.put("mode", g.get(0).mode());
            m.put("points", g.size());
            m.put("dense_us_min", min);
            m.put("dense_us_max", max);
            m.put("dense_moved", max / min - 1);
            out.add(m);
        }
        return out;
    }

    /**
     * Per shape, batch and mode: the highest density at which some sparse format beats dense (null if
     * none does), and the fastest format there with its speedup.
     */
    static List<Map<String, Object>> crossovers(List<SparseBenchmark.Result> all) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (SparseBenchmark.Result r : all) {
            String key = r.layer() + "|" + r.batch() + "|" + r.mode();
            Map<String, Object> c = out.computeIfAbsent(key, k -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("layer", r.layer());
                m.put("rows", r.rows());
                m.put("cols", r.cols());
                m.put("batch", r.batch());
                m.put("mode", r.mode());
                m.put("crossover_density", null);
                m.put("best_format", null);
                m.put("best_speedup", null);
                return m;
            });
            if (r.format().startsWith("dense") || r.speedup() <= 1.0) continue;
            Object cur = c.get("crossover_density");
            boolean higher = cur == null || r.density() > (Double) cur;
            if (higher || r.density() == (Double) cur && r.speedup() > (Double) c.get("best_speedup")) {
                c.put("crossover_density", r.density());
                c.put("best_format", r.format());
                c.put("best_speedup", r.speedup());
            }
        }
        return new ArrayList<>(out.values());
    }
}
