package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of a {@code lottery} run: the ticket and its two controls against the fraction of
 * weights left (on a log axis, falling left to right as rounds go by), the dense model as a line;
 * with a validation set, at each run's early-stopping iteration and (a second chart) at the end.
 */
final class LotteryReport {
    private LotteryReport() {}

    static void write(Path file, Map<String, Object> m) throws IOException {
        build(m).write(file);
    }

    static HtmlReport build(Map<String, Object> m) {
        HtmlReport r = new HtmlReport("jprune lottery: " + Metrics.str(m, "model"));
        List<Map<String, Object>> rounds = Metrics.maps(m, "rounds");
        // With a validation set the headline is the accuracy at each run's early-stopping iteration, as the paper reports it.
        boolean early = m.get("dense_early_stop_test_accuracy") instanceof Number;
        String prefix = early ? "early_stop_" : "";
        double dense = Metrics.num(m, early ? "dense_early_stop_test_accuracy" : "dense_test_accuracy");
        String pruning = m.get("scope") == null ? "global magnitude"
                : Metrics.str(m, "scope").equals("layer") ? "magnitude within each layer" : "global magnitude";
        boolean outputRate = m.get("output_rate") instanceof Number o && o.doubleValue() != Metrics.num(m, "rate");
        r.paragraph(String.format(Locale.ROOT, "Iterative magnitude pruning of %s (%s), %s of the surviving weights per round%s, rewinding to %s%s; "
                        + "each round retrains the ticket and two controls with the same recipe and budget (%s epochs).",
                Metrics.str(m, "model"), pruning, Metrics.percentShort(Metrics.num(m, "rate")),
                outputRate ? " (" + Metrics.percentShort(Metrics.num(m, "output_rate")) + " in the output layer)" : "",
                Metrics.str(m, "rewind"), m.get("init") == null ? "" : " (" + Metrics.str(m, "init") + " initialisation)",
                Metrics.count(Metrics.num(m, "epochs"))));
        if (early)
            r.paragraph(String.format(Locale.ROOT, "Accuracies are test accuracies at each run's iteration of minimum validation loss (%s training images held out, "
                    + "checked every %s steps and after the last; training runs its whole budget), as the lottery-ticket paper reports them; the second chart and the last "
                    + "columns give them at the end of training.", Metrics.count(Metrics.num(m, "validation_images")), Metrics.count(Metrics.num(m, "eval_every"))));

        int n = rounds.size();
        double[] d = new double[n], t = new double[n], re = new double[n], rm = new double[n], te = new double[n], ree = new double[n], rme = new double[n];
        List<List<String>> rows = new ArrayList<>();
        int best = -1;
        for (int i = 0; i < n; i++) {
            Map<String, Object> e = rounds.get(i);
            d[i] = 100 * Metrics.num(e, "density");
            t[i] = 100 * Metrics.num(e, prefix + "test_accuracy");
            re[i] = 100 * Metrics.num(e, "reinit_" + prefix + "test_accuracy");
            rm[i] = 100 * Metrics.num(e, "random_mask_" + prefix + "test_accuracy");
            te[i] = 100 * Metrics.num(e, "test_accuracy");
            ree[i] = 100 * Metrics.num(e, "reinit_test_accuracy");
            rme[i] = 100 * Metrics.num(e, "random_mask_test_accuracy");
            if (best < 0 || t[i] > t[best]) best = i;
            List<String> row = new ArrayList<>(List.of(Metrics.count(Metrics.num(e, "round")), String.format(Locale.ROOT, "%.2f%%", d[i]), layers(e), pct(t[i]), pct(re[i]), pct(rm[i])));
            if (early) row.addAll(List.of(pct(te[i]), pct(ree[i]), pct(rme[i])));
            rows.add(row);
        }
        List<List<String>> summary = new ArrayList<>();
        summary.add(List.of("dense", "100%", Metrics.percent(dense), "", ""));
        if (n > 0) {
            summary.add(summaryRow("best ticket (round " + Metrics.count(Metrics.num(rounds.get(best), "round")) + ")", d[best], t[best], re[best], rm[best], dense));
            if (best != n - 1) summary.add(summaryRow("last round", d[n - 1], t[n - 1], re[n - 1], rm[n - 1], dense));
        }
        r.table("summary", List.of("", "weights left", "ticket (rewound)", "same mask, re-initialised", "random mask"), summary);
        r.note("Points in brackets: difference from the dense model" + (early ? ", all at their early-stopping iterations." : "."));

        r.heading("Accuracy as weights are removed");
        r.charts(new LineChart("lottery", early ? "Ticket and controls, at early stopping" : "Ticket and controls", "weights left (%, log scale)", "test accuracy (%)")
                .size(700, 300).logX().reverseX()
                .line("ticket (rewound)", d, t).line("same mask, random re-init", d, re).line("random mask", d, rm)
                .rule(100 * dense, "dense " + Metrics.percent(dense)).html());
        if (early) {
            double denseEnd = Metrics.num(m, "dense_test_accuracy");
            r.charts(new LineChart("lottery-end", "Ticket and controls, at the end of training", "weights left (%, log scale)", "test accuracy (%)")
                    .size(700, 300).logX().reverseX()
                    .line("ticket (rewound)", d, te).line("same mask, random re-init", d, ree).line("random mask", d, rme)
                    .rule(100 * denseEnd, "dense " + Metrics.percent(denseEnd)).html());
        }
        List<String> head = new ArrayList<>(List.of("round", "weights left", "per layer", "ticket", "re-init", "random mask"));
        if (early) head.addAll(List.of("ticket (end)", "re-init (end)", "random mask (end)"));
        r.table(head, rows);
        return r;
    }

    /** The ticket's weights left per layer, e.g. "fc1 6.9% · fc2 6.9% · fc3 28%", or blank when the run did not record them. */
    private static String layers(Map<String, Object> round) {
        if (!(round.get("layer_density") instanceof Map<?, ?> ld)) return "";
        List<String> parts = new ArrayList<>();
        ld.forEach((k, v) -> parts.add(String.valueOf(k).replaceFirst("\\.weight$", "") + " " + String.format(Locale.ROOT, "%.2f%%", 100 * ((Number) v).doubleValue())));
        return String.join(" · ", parts);
    }

    private static List<String> summaryRow(String name, double density, double ticket, double reinit, double random, double dense) {
        return List.of(name, String.format(Locale.ROOT, "%.2f%%", density), delta(ticket, dense), delta(reinit, dense), delta(random, dense));
    }

    private static String delta(double acc, double dense) {
        return Double.isFinite(acc) ? String.format(Locale.ROOT, "%.2f%% (%+.2f)", acc, acc - 100 * dense) : "–";
    }

    private static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f%%", v) : "–";
    }
}
