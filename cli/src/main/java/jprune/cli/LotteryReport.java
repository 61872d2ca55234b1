package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of a {@code lottery} run: the ticket and its two controls against the fraction of
 * weights left (on a log axis, falling left to right as rounds go by), the dense model as a line.
 */
final class LotteryReport {
    private LotteryReport() {}

    static void write(Path file, Map<String, Object> m) throws IOException {
        build(m).write(file);
    }

    static HtmlReport build(Map<String, Object> m) {
        HtmlReport r = new HtmlReport("jprune lottery: " + Metrics.str(m, "model"));
        double dense = Metrics.num(m, "dense_test_accuracy");
        List<Map<String, Object>> rounds = Metrics.maps(m, "rounds");
        r.paragraph(String.format(Locale.ROOT, "Iterative magnitude pruning of %s, %s of the surviving weights per round, rewinding to %s; "
                        + "each round retrains the ticket and two controls with the same budget (%s epochs).",
                Metrics.str(m, "model"), Metrics.percentShort(Metrics.num(m, "rate")), Metrics.str(m, "rewind"), Metrics.count(Metrics.num(m, "epochs"))));

        int n = rounds.size();
        double[] d = new double[n], t = new double[n], re = new double[n], rm = new double[n];
        List<List<String>> rows = new ArrayList<>();
        int best = -1;
        for (int i = 0; i < n; i++) {
            Map<String, Object> e = rounds.get(i);
            d[i] = 100 * Metrics.num(e, "density");
            t[i] = 100 * Metrics.num(e, "test_accuracy");
            re[i] = 100 * Metrics.num(e, "reinit_test_accuracy");
            rm[i] = 100 * Metrics.num(e, "random_mask_test_accuracy");
            if (best < 0 || t[i] > t[best]) best = i;
            rows.add(List.of(Metrics.count(Metrics.num(e, "round")), String.format(Locale.ROOT, "%.2f%%", d[i]), pct(t[i]), pct(re[i]), pct(rm[i])));
        }
        List<List<String>> summary = new ArrayList<>();
        summary.add(List.of("dense", "100%", Metrics.percent(dense), "", ""));
        if (n > 0) {
            summary.add(summaryRow("best ticket (round " + Metrics.count(Metrics.num(rounds.get(best), "round")) + ")", d[best], t[best], re[best], rm[best], dense));
            if (best != n - 1) summary.add(summaryRow("last round", d[n - 1], t[n - 1], re[n - 1], rm[n - 1], dense));
        }
        r.table("summary", List.of("", "weights left", "ticket (rewound)", "same mask, re-initialised", "random mask"), summary);
        r.note("Points in brackets: difference from the dense model.");

        r.heading("Accuracy as weights are removed");
        r.charts(new LineChart("lottery", "Ticket and controls", "weights left (%, log scale)", "test accuracy (%)").size(700, 300).logX().reverseX()
                .line("ticket (rewound)", d, t).line("same mask, random re-init", d, re).line("random mask", d, rm)
                .rule(100 * dense, "dense " + Metrics.percent(dense)).html());
        r.table(List.of("round", "weights left", "ticket", "re-init", "random mask"), rows);
        return r;
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
