package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of an {@code lm prune} run, drawn from its metrics: what was done and what it cost in
 * perplexity, then per projection the sparsity reached and the reconstruction error, and a table of
 * the slowest projections.
 */
final class LmPruneReport {
    private LmPruneReport() {}

    static void write(Path file, Map<String, Object> m) throws IOException {
        build(m).write(file);
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "not measured";
    }

    static HtmlReport build(Map<String, Object> m) {
        HtmlReport r = new HtmlReport("jprune lm prune: " + Metrics.str(m, "model"));
        double nonzero = 1 - Metrics.num(m, "sparsity");
        r.table("summary", List.of("", "perplexity", "non-zero weights in the pruned projections"), List.of(
                List.of("dense", fmt(Metrics.num(m, "dense_perplexity")), "100%"),
                List.of("pruned (" + Metrics.str(m, "method") + ")", fmt(Metrics.num(m, "perplexity")), Metrics.percent(nonzero))));
        String target = "unstructured".equals(Metrics.str(m, "pattern"))
                ? String.format(Locale.ROOT, "%s unstructured", Metrics.percentShort(Metrics.num(m, "target_sparsity"))) : Metrics.str(m, "pattern");
        double dense = Metrics.num(m, "dense_perplexity"), pruned = Metrics.num(m, "perplexity");
        String ppl = Double.isFinite(pruned) ? String.format(Locale.ROOT, " Perplexity on %s: %.3f against %.3f dense (%+.1f%%).", evalText(m), pruned,
                dense, 100 * (pruned / dense - 1)) : " No perplexity was measured (run with --eval).";
        r.paragraph(String.format(Locale.ROOT, "One-shot %s pruning, %s, of %d projections in %.1f s: %s of their weights are zero. Calibration: %d samples, %d tokens "
                        + "(%s).%s", Metrics.str(m, "method"), target, Metrics.maps(m, "layers").size(), Metrics.num(m, "prune_seconds"),
                Metrics.percent(Metrics.num(m, "sparsity")), (long) Metrics.num(m, "nsamples"), (long) Metrics.num(m, "calibration_tokens"),
                Metrics.str(m, "calibration"), ppl));
        List<Map<String, Object>> layers = Metrics.maps(m, "layers");
        List<String> names = new ArrayList<>();
        double[] sparsity = new double[layers.size()], error = new double[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            Map<String, Object> l = layers.get(i);
            names.add(Metrics.str(l, "name"));
            sparsity[i] = 100 * Metrics.num(l, "sparsity");
            error[i] = Metrics.num(l, "reconstruction_error");
        }
        r.charts(new BarChart("layer-error", "Reconstruction error per projection", "‖WX − ŴX‖² / ‖WX‖²", names).add("error", error).html(),
                new BarChart("layer-sparsity", "Sparsity per projection", "sparsity (%)", names).add("sparsity", sparsity).max(100).html());
        r.note(String.format(Locale.ROOT, "Errors on %d of the calibration tokens the projection was pruned for (evenly spread). Peak heap %s, peak RSS %s, %d threads.",
                (long) Metrics.num(m, "reconstruction_error_tokens"), Metrics.bytes(Metrics.num(m, "peak_heap_bytes")),
                Metrics.bytes(Metrics.num(m, "peak_rss_bytes")), (long) Metrics.num(m, "threads")));
        return r;
    }

    /** The perplexity text's name, with how many of its tokens were scored when the metrics say. */
    static String evalText(Map<String, Object> m) {
        double tokens = Metrics.num(m, "eval_tokens");
        return Metrics.str(m, "eval") + (Double.isFinite(tokens) ? String.format(Locale.ROOT, " (%,d tokens)", (long) tokens) : "");
    }
}
