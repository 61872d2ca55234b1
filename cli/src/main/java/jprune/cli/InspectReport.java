package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The report of {@code inspect}: a saved model's size and sparsity, per layer, and its surviving weights. */
final class InspectReport {
    private InspectReport() {}

    /** Writes the report for inspect's metrics and the model's prunable weight values. */
    static void write(Path file, Map<String, Object> m, float[] weights) throws IOException {
        build(m, weights).write(file);
    }

    static HtmlReport build(Map<String, Object> m, float[] weights) {
        HtmlReport r = new HtmlReport("jprune inspect: " + Metrics.str(m, "model"));
        r.paragraph("The checkpoint " + Metrics.str(m, "checkpoint") + ": parameters, how many of them are zero, and where.");
        double total = Metrics.num(m, "params_total"), prunable = Metrics.num(m, "prunable_total"), nonzero = Metrics.num(m, "prunable_nonzero");
        r.table("summary", List.of("parameters", "prunable weights", "non-zero prunable", "sparsity of the prunable", "file"),
                List.of(List.of(Metrics.count(total), Metrics.count(prunable), Metrics.count(nonzero), Metrics.percent(Metrics.num(m, "sparsity")),
                        Metrics.bytes(Metrics.num(m, "file_bytes")))));
        LayerCharts.append(r, Metrics.maps(m, "layers"), null);
        r.heading("Non-zero weights");
        r.charts(new Histogram("weights", null, "weight value", 80).add("non-zero weights", weights).html());
        return r;
    }
}
