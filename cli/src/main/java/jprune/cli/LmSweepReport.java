package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of an {@code lm sweep}: perplexity by method and target in one table (change against
 * dense beside each), and perplexity against unstructured sparsity per method when the sweep has
 * two or more sparsities.
 */
final class LmSweepReport {
    private LmSweepReport() {}

    static void write(Path file, Map<String, Object> m, List<String> methods, List<String> targets) throws IOException {
        build(m, methods, targets).write(file);
    }

    static HtmlReport build(Map<String, Object> m, List<String> methods, List<String> targets) {
        HtmlReport r = new HtmlReport("jprune lm sweep: " + Metrics.str(m, "model"));
        double dense = Metrics.num(m, "dense_perplexity");
        List<Map<String, Object>> runs = Metrics.maps(m, "runs");
        r.paragraph(String.format(Locale.ROOT, "One-shot pruning of %s, %d runs, calibrated on %s, perplexity on %s. Dense perplexity %.3f.",
                Metrics.str(m, "model"), runs.size(), Metrics.str(m, "calib"), Metrics.str(m, "eval"), dense));
        List<String> header = new ArrayList<>(List.of("method"));
        for (String t : targets) header.add(t.contains(":") ? t : Metrics.percentShort(Double.parseDouble(t)) + " unstructured");
        List<List<String>> rows = new ArrayList<>();
        for (String method : methods) {
            List<String> row = new ArrayList<>(List.of(method));
            for (String t : targets) {
                Map<String, Object> run = find(runs, method, t);
                row.add(run == null ? "" : String.format(Locale.ROOT, "%.3f (%+.1f%%)", Metrics.num(run, "perplexity"),
                        100 * Metrics.num(run, "perplexity_change")));
            }
            rows.add(row);
        }
        r.table("summary", header, rows);
        List<String> unstructured = new ArrayList<>();
        for (String t : targets) if (!t.contains(":")) unstructured.add(t);
        if (unstructured.size() >= 2) {
            LineChart c = new LineChart("sweep", "Perplexity against sparsity", "sparsity (%)", "perplexity").size(640, 280).rule(dense, "dense");
            for (String method : methods) {
                List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
                for (String t : unstructured) {
                    Map<String, Object> run = find(runs, method, t);
                    if (run == null) continue;
                    xs.add(100 * Metrics.num(run, "sparsity"));
                    ys.add(Metrics.num(run, "perplexity"));
                }
                c.line(method, xs.stream().mapToDouble(Double::doubleValue).toArray(), ys.stream().mapToDouble(Double::doubleValue).toArray());
            }
            r.charts(c.html());
        }
        r.note("Each run's own report.html (per-projection sparsity and reconstruction error) is in its directory: "
                + String.join(", ", runs.stream().map(x -> Metrics.str(x, "dir")).toList()) + ".");
        return r;
    }

    private static Map<String, Object> find(List<Map<String, Object>> runs, String method, String target) {
        for (Map<String, Object> run : runs)
            if (method.equals(Metrics.str(run, "method")) && target.equals(Metrics.str(run, "target"))) return run;
        return null;
    }
}
