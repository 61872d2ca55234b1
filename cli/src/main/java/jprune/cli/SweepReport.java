package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The report of a {@code sweep}: accuracy against sparsity for every criterion on one chart (after
 * fine-tuning, and beside it straight after pruning), the dense model as a reference line, and the
 * numbers as a criterion × sparsity table.
 */
final class SweepReport {
    private SweepReport() {}

    static void write(Path file, Map<String, Object> m) throws IOException {
        build(m).write(file);
    }

    static HtmlReport build(Map<String, Object> m) {
        HtmlReport r = new HtmlReport("jprune sweep: " + Metrics.str(m, "model"));
        double dense = Metrics.num(m, "dense_test_accuracy");
        List<Map<String, Object>> points = Metrics.maps(m, "points");
        Set<String> criteria = new LinkedHashSet<>();
        Set<Double> sparsities = new TreeSet<>();
        for (Map<String, Object> p : points) {
            criteria.add(Metrics.str(p, "criterion"));
            sparsities.add(Metrics.num(p, "sparsity"));
        }
        String epochs = Double.isFinite(Metrics.num(m, "finetune_epochs")) ? Metrics.count(Metrics.num(m, "finetune_epochs")) : "some";
        r.paragraph(String.format(Locale.ROOT, "One-shot %s pruning of the same dense model (test accuracy %s) with each criterion at each sparsity, "
                + "measured straight after pruning and after %s epochs of fine-tuning.", Metrics.str(m, "scope"), Metrics.percent(dense), epochs));

        List<String> header = new ArrayList<>(List.of("criterion"));
        for (double s : sparsities) header.add(Metrics.percentShort(s));
        List<List<String>> rows = new ArrayList<>();
        for (String c : criteria) {
            List<String> row = new ArrayList<>(List.of(c));
            for (double s : sparsities) {
                Map<String, Object> p = find(points, c, s);
                row.add(p == null ? "–" : String.format(Locale.ROOT, "%.2f → %.2f", 100 * Metrics.num(p, "test_accuracy_no_finetune"), 100 * Metrics.num(p, "test_accuracy")));
            }
            rows.add(row);
        }
        r.table("summary", header, rows);
        r.note("Test accuracy (%) straight after pruning → after fine-tuning.");

        r.heading("Accuracy against sparsity, every criterion");
        r.charts(chart("sweep-finetuned", "After fine-tuning", "test_accuracy", criteria, points, dense),
                chart("sweep-oneshot", "Straight after pruning", "test_accuracy_no_finetune", criteria, points, dense));
        return r;
    }

    private static Map<String, Object> find(List<Map<String, Object>> points, String criterion, double sparsity) {
        for (Map<String, Object> p : points) if (criterion.equals(Metrics.str(p, "criterion")) && Metrics.num(p, "sparsity") == sparsity) return p;
        return null;
    }

    private static String chart(String id, String title, String key, Set<String> criteria, List<Map<String, Object>> points, double dense) {
        LineChart chart = new LineChart(id, title, "sparsity (%)", "test accuracy (%)").size(460, 260);
        for (String c : criteria) {
            List<double[]> xy = new ArrayList<>();
            for (Map<String, Object> p : points)
                if (c.equals(Metrics.str(p, "criterion"))) xy.add(new double[] {100 * Metrics.num(p, "sparsity"), 100 * Metrics.num(p, key)});
            xy.sort((a, b) -> Double.compare(a[0], b[0]));
            chart.line(c, xy.stream().mapToDouble(a -> a[0]).toArray(), xy.stream().mapToDouble(a -> a[1]).toArray());
        }
        return chart.rule(100 * dense, "dense " + Metrics.percent(dense)).html();
    }
}
