package jprune.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The per-layer part of a report: each prunable layer's sparsity and size, as charts and as a table. */
final class LayerCharts {
    private LayerCharts() {}

    /**
     * Appends a section for layers given as metrics maps ({name, shape, params, nonzero, sparsity}).
     * widthChart, when given, replaces the sparsity chart (a compacted model has no zeros to show,
     * but its layers' channel counts changed).
     */
    static void append(HtmlReport r, List<Map<String, Object>> layers, String widthChart) {
        r.heading("Per layer");
        if (layers.isEmpty()) {
            r.note("No prunable layers recorded.");
            return;
        }
        List<String> names = new ArrayList<>();
        double[] sparsity = new double[layers.size()], params = new double[layers.size()], nonzero = new double[layers.size()];
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Map<String, Object> l = layers.get(i);
            names.add(Metrics.str(l, "name"));
            params[i] = Metrics.num(l, "params");
            nonzero[i] = Metrics.num(l, "nonzero");
            double sp = Metrics.num(l, "sparsity");
            sparsity[i] = 100 * (Double.isFinite(sp) ? sp : 1 - nonzero[i] / params[i]);
            rows.add(List.of(names.get(i), shape(l.get("shape")), Metrics.count(params[i]), Metrics.count(nonzero[i]),
                    String.format(Locale.ROOT, "%.2f%%", sparsity[i]), Metrics.bytes(4 * params[i]), Metrics.bytes(4 * nonzero[i])));
        }
        r.charts(widthChart != null ? widthChart : new BarChart("layer-sparsity", "Sparsity per layer", "sparsity (%)", names).add("sparsity", sparsity).max(100)
                        .valueLabel(v -> String.format(Locale.ROOT, "%.1f%%", v)).width(460).html(),
                new BarChart("layer-size", "Size per layer", "weights", names).add("all weights", params).add("non-zero", nonzero)
                        .valueLabel(Metrics::count).width(460).html());
        r.table(List.of("layer", "shape", "weights", "non-zero", "sparsity", "fp32 size", "fp32 size of the non-zeros"), rows);
    }

    private static String shape(Object s) {
        if (s instanceof int[] a) return java.util.Arrays.toString(a).replace(", ", "×").replaceAll("[\\[\\]]", "");
        if (s instanceof List<?> l) return String.join("×", l.stream().map(o -> o instanceof Number n ? String.valueOf(n.longValue()) : String.valueOf(o)).toList());
        return s == null ? "" : String.valueOf(s);
    }
}
