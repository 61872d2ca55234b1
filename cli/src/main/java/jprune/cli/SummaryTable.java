package jprune.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The table at the top of a report: the same network as dense, pruned and (when known) compressed
 * side by side, with what a user weighs against each other: accuracy, non-zero weights, file size,
 * latency and throughput, each speed with its spread when the measurement recorded one.
 */
final class SummaryTable {
    /**
     * One form of the model. speed is an {@code inference} entry ({@code latency_ms_batch1},
     * {@code throughput_batch64}, and their spreads if measured); reference is the dense model's entry
     * timed in the same run, which speedups are taken against (null for the dense row itself).
     */
    record Variant(String name, double accuracy, double nonzero, double total, double fileBytes, Map<String, Object> speed, Map<String, Object> reference) {}

    private final List<Variant> rows = new ArrayList<>();
    private final double denseAccuracy;

    SummaryTable(double denseAccuracy) {
        this.denseAccuracy = denseAccuracy;
    }

    SummaryTable add(Variant v) {
        rows.add(v);
        return this;
    }

    void appendTo(HtmlReport r) {
        List<List<String>> out = new ArrayList<>();
        for (Variant v : rows) {
            String acc = Metrics.percent(v.accuracy());
            if (v.reference() != null && Double.isFinite(v.accuracy()) && Double.isFinite(denseAccuracy))
                acc += String.format(java.util.Locale.ROOT, " (%+.2f)", 100 * (v.accuracy() - denseAccuracy));
            String nz = Metrics.count(v.nonzero());
            if (Double.isFinite(v.total()) && v.total() > 0 && Double.isFinite(v.nonzero()) && v.nonzero() < v.total())
                nz += String.format(java.util.Locale.ROOT, " (%.1f%%)", 100 * v.nonzero() / v.total());
            out.add(List.of(v.name(), acc, nz, Metrics.bytes(v.fileBytes()),
                    Metrics.withSpread(v.speed(), "latency_ms_batch1", Metrics::millis, " ms"),
                    Metrics.withSpread(v.speed(), "throughput_batch64", Metrics::rate, "/s"),
                    speedups(v)));
        }
        r.table("summary", List.of("model", "test accuracy (points vs dense)", "non-zero weights", "file", "latency, batch 1",
                "throughput, batch 64", "speedup over dense, batch 1 / 64"), out);
    }

    /**
     * Speedups over the dense model timed in the same run: a recorded ratio (with its spread) when the
     * metrics hold one, the ratio of the two medians otherwise.
     */
    private static String speedups(Variant v) {
        if (v.reference() == null) return "1×";
        return speedup(v, "speedup_batch1", "latency_ms_batch1", true) + " / " + speedup(v, "speedup_batch64", "throughput_batch64", false);
    }

    private static String speedup(Variant v, String key, String base, boolean lowerIsBetter) {
        if (Double.isFinite(Metrics.num(v.speed(), key))) return Metrics.withSpread(v.speed(), key, Metrics::times, "");
        double mine = Metrics.num(v.speed(), base), dense = Metrics.num(v.reference(), base);
        return Metrics.times(lowerIsBetter ? dense / mine : mine / dense);
    }
}
