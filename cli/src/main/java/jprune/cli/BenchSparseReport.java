package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The report of {@code bench sparse}: first what people look for, the speedup over our dense kernel
 * against density with one line per format and the 1× line drawn, a panel per batch size, for every
 * shape and mode measured (the largest first); then where the crossovers are; then the roofline.
 */
final class BenchSparseReport {
    private BenchSparseReport() {}

    static void write(Path file, Map<String, Object> m) throws IOException {
        build(m).write(file);
    }

    static HtmlReport build(Map<String, Object> m) {
        HtmlReport r = new HtmlReport("jprune bench sparse");
        List<Map<String, Object>> results = Metrics.maps(m, "results");
        double peak = Metrics.num(m, "peak_gflops"), bw = Metrics.num(m, "bandwidth_gbs");
        r.paragraph("Every sparse weight format against our dense kernel at the same shape, batch and mode (warm: one matrix, cache-resident when it "
                + "fits; streaming: copies cycled, dense's totalling 512 MiB and each format's 128 MiB, so weights come from memory). Speedup is dense time over format time.");
        r.table("summary", List.of("peak (register-only FMA loop)", "memory bandwidth (streaming read)", "threads", "values"),
                List.of(List.of(Double.isFinite(peak) ? Svg.num(peak) + " GFLOPS" : "not measured", Double.isFinite(bw) ? Svg.num(bw) + " GB/s" : "not measured",
                        Metrics.count(Metrics.num(m, "threads")), Boolean.TRUE.equals(m.get("int8")) ? "int8" : "fp32")));

        // Groups of one shape and mode, largest shape first, streaming before warm: the headline case on top.
        Map<String, List<Map<String, Object>>> groups = new LinkedHashMap<>();
        for (Map<String, Object> e : results) groups.computeIfAbsent(Metrics.str(e, "layer") + "|" + Metrics.str(e, "mode"), k -> new ArrayList<>()).add(e);
        List<List<Map<String, Object>>> ordered = new ArrayList<>(groups.values());
        ordered.sort(Comparator.<List<Map<String, Object>>>comparingDouble(g -> -Metrics.num(g.get(0), "rows") * Metrics.num(g.get(0), "cols"))
                .thenComparing(g -> Metrics.str(g.get(0), "mode").equals("streaming") ? 0 : 1));
        r.heading("Speedup over dense against density");
        int chartNo = 0;
        for (List<Map<String, Object>> g : ordered) {
            Map<String, Object> first = g.get(0);
            String name = Metrics.str(first, "layer") + " (" + Metrics.count(Metrics.num(first, "rows")) + "×" + Metrics.count(Metrics.num(first, "cols")) + "), "
                    + Metrics.str(first, "mode");
            TreeSet<Integer> batches = new TreeSet<>();
            for (Map<String, Object> e : g) batches.add((int) Metrics.num(e, "batch"));
            List<String> panels = new ArrayList<>();
            for (int b : batches) panels.add(speedupChart("speedup-" + chartNo + "-b" + b, name + ", batch " + b, g, b));
            chartNo++;
            r.charts(panels.toArray(String[]::new));
        }

        List<List<String>> rows = new ArrayList<>();
        for (Map<String, Object> c : Metrics.maps(m, "crossovers")) {
            double d = Metrics.num(c, "crossover_density");
            rows.add(List.of(Metrics.str(c, "layer"), Metrics.count(Metrics.num(c, "batch")), Metrics.str(c, "mode"),
                    Double.isFinite(d) ? Metrics.percentShort(d) : "none measured", c.get("best_format") == null ? "–" : Metrics.str(c, "best_format"),
                    c.get("best_speedup") instanceof Number x ? String.format(java.util.Locale.ROOT, "%.2f×", x.doubleValue()) : "–"));
        }
        r.heading("Crossover: the highest density at which a sparse format beats dense");
        r.table(List.of("layer", "batch", "mode", "density", "fastest format there", "its speedup"), rows);

        List<Map<String, Object>> steadiness = Metrics.maps(m, "steadiness");
        if (!steadiness.isEmpty()) {
            r.heading("Steadiness: dense's time across the run's points");
            r.note("Dense is timed in the rounds of every point, so at one shape, batch and mode it should take the same time throughout. "
                    + "Where it moved by more than " + Math.round(100 * BenchSparseCommand.UNSTEADY) + "%, the machine changed speed under the run "
                    + "(another tenant taking memory bandwidth or a core's share) or, warm, the formats timed beside dense left it different shares of "
                    + "the cache, and a second run's speedups there may differ by more than that.");
            List<List<String>> st = new ArrayList<>();
            for (Map<String, Object> e : steadiness) {
                double moved = Metrics.num(e, "dense_moved");
                st.add(List.of(Metrics.str(e, "layer"), Metrics.count(Metrics.num(e, "batch")), Metrics.str(e, "mode"), Metrics.count(Metrics.num(e, "points")),
                        Svg.num(Metrics.num(e, "dense_us_min")) + "–" + Svg.num(Metrics.num(e, "dense_us_max")) + " µs",
                        Math.round(100 * moved) + "%" + (moved > BenchSparseCommand.UNSTEADY ? " (unsteady)" : "")));
            }
            r.table(List.of("layer", "batch", "mode", "points", "dense time", "moved"), st);
        }

        List<Map<String, Object>> scaling = Metrics.maps(m, "thread_scaling");
        if (!scaling.isEmpty()) {
            r.heading("Threads: batch-1 products on all threads against one");
            r.note("Timed in the same rounds as the points. Dense at batch 1 is bound by memory and a gathering kernel (CSR) by its core: where CSR gained "
                    + "less than " + BenchSparseCommand.LOW_SCALING + "× from its threads, the host gave the second thread little of a core of its own, "
                    + "and the gathering formats' batch-1 speedups read low in this run.");
            List<List<String>> sc = new ArrayList<>();
            for (Map<String, Object> e : scaling) {
                double x = Metrics.num(e, "speedup");
                String format = Metrics.str(e, "format");
                sc.add(List.of(Metrics.str(e, "layer"), format.startsWith("dense") ? format : format + " " + Metrics.percentShort(Metrics.num(e, "density")),
                        Metrics.str(e, "mode"), Metrics.count(Metrics.num(e, "threads")),
                        Svg.num(Metrics.num(e, "us")) + " µs", Svg.num(Metrics.num(e, "us_one_thread")) + " µs",
                        String.format(java.util.Locale.ROOT, "%.2f× (%.2f–%.2f)", x, Metrics.num(e, "speedup_min"), Metrics.num(e, "speedup_max"))
                                + (!format.startsWith("dense") && x < BenchSparseCommand.LOW_SCALING ? " (low)" : "")));
            }
            r.table(List.of("layer", "format", "mode", "threads", "time", "one thread", "gain"), sc);
        }

        r.heading("Roofline");
        r.note("Useful GFLOPS (2 × non-zeros × batch per second) of each kernel, placed by arithmetic intensity (those flops per byte of weights and "
                + "activations moved), under the measured ceiling min(peak, intensity × bandwidth). Labels are dropped where they would overlap; "
                + "hover over a point for its details.");
        // One roofline per mode: the ceiling's bandwidth is memory's, which binds streaming kernels; warm
        // ones may rise above it from cache. The largest shape's points come first, so their labels win the space.
        for (String mode : List.of("streaming", "warm")) {
            Roofline roof = new Roofline("roofline-" + mode, mode.equals("streaming") ? "Streaming: weights from memory" : "Warm: weights in cache when they fit",
                    peak, bw).size(900, 400);
            boolean any = false;
            for (List<Map<String, Object>> g : ordered) {
                for (Map<String, Object> e : g) {
                    if (!mode.equals(Metrics.str(e, "mode"))) continue;
                    String format = Metrics.str(e, "format"), density = Metrics.percentShort(Metrics.num(e, "density")), batch = Metrics.count(Metrics.num(e, "batch"));
                    String label = format.startsWith("dense") ? format + " b" + batch : format + " " + density + " b" + batch;
                    roof.add(new Roofline.Point(format, label,
                            Metrics.str(e, "layer") + " " + format + ", density " + density + ", batch " + batch + ", " + mode,
                            Metrics.num(e, "flops_per_byte"), Metrics.num(e, "gflops")));
                    any = true;
                }
            }
            if (any) r.charts(roof.html());
        }
        return r;
    }

    /** One panel: a line per format (N:M layouts together, each point named), speedup on a log axis around 1×. */
    private static String speedupChart(String id, String title, List<Map<String, Object>> group, int batch) {
        Map<String, List<double[]>> lines = new LinkedHashMap<>();
        Map<String, List<String>> labels = new LinkedHashMap<>();
        for (Map<String, Object> e : group) {
            String format = Metrics.str(e, "format");
            if ((int) Metrics.num(e, "batch") != batch || format.startsWith("dense")) continue;
            String line = format.matches("\\d+:\\d+.*") ? "N:M" + format.replaceFirst("^\\d+:\\d+", "") : format;
            lines.computeIfAbsent(line, k -> new ArrayList<>()).add(new double[] {100 * Metrics.num(e, "density"), Metrics.num(e, "speedup")});
            labels.computeIfAbsent(line, k -> new ArrayList<>()).add(line.startsWith("N:M") ? format : null);
        }
        LineChart c = new LineChart(id, title, "density (% of weights kept, log scale)", "speedup over dense (×, log scale)").size(460, 260)
                .logX().logY().includeY(1).rule(1, "1× = dense");
        for (Map.Entry<String, List<double[]>> e : lines.entrySet()) {
            // Sort by density, carrying each point's label with it.
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < e.getValue().size(); i++) order.add(i);
            order.sort(Comparator.comparingDouble(i -> e.getValue().get(i)[0]));
            double[] x = order.stream().mapToDouble(i -> e.getValue().get(i)[0]).toArray(), y = order.stream().mapToDouble(i -> e.getValue().get(i)[1]).toArray();
            String[] lab = order.stream().map(i -> labels.get(e.getKey()).get(i)).toArray(String[]::new);
            c.labelled(e.getKey(), x, y, lab);
        }
        return c.html();
    }
}
