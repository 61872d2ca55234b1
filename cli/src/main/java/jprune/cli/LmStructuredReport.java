package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The report of a structured {@code lm prune} run: perplexity and size before and after, then each layer's heads, neurons or blocks kept. */
final class LmStructuredReport {
    private LmStructuredReport() {}

    static void write(Path file, Map<String, Object> m) throws IOException {
        build(m).write(file);
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "not measured";
    }

    static HtmlReport build(Map<String, Object> m) {
        String g = Metrics.str(m, "granularity");
        HtmlReport r = new HtmlReport("jprune lm prune --granularity " + g + ": " + Metrics.str(m, "model"));
        double dense = Metrics.num(m, "params_total_dense"), pruned = Metrics.num(m, "params_total");
        r.table("summary", List.of("", "perplexity", "parameters"), List.of(
                List.of("dense", fmt(Metrics.num(m, "dense_perplexity")), String.format(Locale.ROOT, "%,.0f", dense)),
                List.of("pruned (" + Metrics.str(m, "criterion") + ")", fmt(Metrics.num(m, "perplexity_before_finetune")),
                        String.format(Locale.ROOT, "%,.0f (%s)", pruned, Metrics.percent(pruned / dense))),
                List.of("fine-tuned, " + (long) Metrics.num(m, "finetune_steps") + " steps", (long) Metrics.num(m, "finetune_steps") > 0
                        ? fmt(Metrics.num(m, "perplexity")) : "not fine-tuned", String.format(Locale.ROOT, "%,.0f", pruned))));
        r.paragraph(String.format(Locale.ROOT, "Removed %d of %d %s (%s), physically: the checkpoint is written compacted. Perplexity on %s.",
                (long) Metrics.num(m, "groups_removed"), (long) Metrics.num(m, "groups_total"), g, Metrics.str(m, "criterion"), LmPruneReport.evalText(m)));
        jprune.prune.Structure structure = jprune.prune.Structure.byFlag(g);
        String key = structure == null ? "blocks" : structure.metricsKey();
        List<Map<String, Object>> layers = Metrics.maps(m, key);
        List<String> names = new ArrayList<>();
        double[] before = new double[layers.size()], after = new double[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            names.add(Metrics.str(layers.get(i), "name"));
            before[i] = Metrics.num(layers.get(i), "before");
            after[i] = Metrics.num(layers.get(i), "after");
        }
        List<Map<String, Object>> rounds = Metrics.maps(m, "rounds");
        if (rounds.size() > 1) {
            List<List<String>> rows = new ArrayList<>();
            for (Map<String, Object> round : rounds)
                rows.add(List.of(String.valueOf((long) Metrics.num(round, "round")), String.format(Locale.ROOT, "%.4f", Metrics.num(round, "target_sparsity")),
                        String.valueOf((long) Metrics.num(round, "groups_removed")), String.format(Locale.ROOT, "%,.0f", Metrics.num(round, "params_total")),
                        fmt(Metrics.num(round, "perplexity_after_prune")), fmt(Metrics.num(round, "perplexity_after_finetune"))));
            r.table("rounds", List.of("round", "removed so far (fraction)", g + " removed", "parameters", "perplexity pruned", "fine-tuned"), rows);
        }
        r.charts(new BarChart("layer-sizes", "Kept per layer", g, names).add("before", before).add("after", after).html());
        r.note(String.format(Locale.ROOT, "Peak heap %s, %d threads, %.1f s.", Metrics.bytes(Metrics.num(m, "peak_heap_bytes")),
                (long) Metrics.num(m, "threads"), Metrics.num(m, "seconds")));
        return r;
    }
}
