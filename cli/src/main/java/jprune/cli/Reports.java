package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.prune.Prunable;
import jprune.prune.SparsityStats;

/** The report.html of each command that produces one, built from its metrics. */
final class Reports {
    private Reports() {}

    /** All prunable weight values of a model, concatenated (for histograms). */
    static float[] weights(Module m) {
        List<Parameter> ps = new ArrayList<>(Prunable.weights(m).values());
        int n = 0;
        for (Parameter p : ps) n += p.numel();
        float[] out = new float[n];
        int off = 0;
        for (Parameter p : ps) {
            System.arraycopy(p.value().data(), 0, out, off, p.numel());
            off += p.numel();
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static void prune(Path file, Map<String, Object> m, SparsityStats stats, float[] before, float[] after) throws IOException {
        HtmlReport r = new HtmlReport("jprune prune: " + m.get("model"));
        r.paragraph(String.format(Locale.ROOT, "%s pruning (%s, %s scope, %s schedule) to %.2f%% sparsity: test accuracy %.2f%% (dense %.2f%%, drop %.2f points).",
                m.get("granularity"), m.get("criterion"), m.get("scope"), m.get("schedule"), 100 * num(m, "sparsity"), 100 * num(m, "test_accuracy"),
                100 * num(m, "dense_test_accuracy"), num(m, "accuracy_drop_points")));
        List<Object> rounds = (List<Object>) m.get("rounds");
        double[] sp = new double[rounds.size()], acc = new double[rounds.size()], idx = new double[rounds.size()];
        for (int i = 0; i < rounds.size(); i++) {
            Map<String, Object> e = (Map<String, Object>) rounds.get(i);
            idx[i] = num(e, "round");
            sp[i] = 100 * num(e, "sparsity");
            acc[i] = 100 * num(e, "test_accuracy");
        }
        r.heading("Sparsity and accuracy by round");
        r.lineChart("sparsity (%)", "test accuracy (%)", List.of(new HtmlReport.Series("after fine-tuning", sp, acc)));
        r.heading("Per-layer sparsity");
        List<String> names = new ArrayList<>();
        double[] layer = new double[stats.layers().size()];
        for (int i = 0; i < layer.length; i++) {
            names.add(stats.layers().get(i).name());
            layer[i] = 100 * stats.layers().get(i).sparsity();
        }
        r.barChart("sparsity (%)", names, layer, 100);
        r.heading("Weight magnitudes before and after pruning");
        r.histogram("weight value", List.of("dense", "pruned (survivors)"), List.of(before, after), 80);
        r.write(file);
    }

    @SuppressWarnings("unchecked")
    static void sweep(Path file, String model, double denseAcc, List<Object> points, List<String> criteria) throws IOException {
        HtmlReport r = new HtmlReport("jprune sweep: " + model);
        r.paragraph(String.format(Locale.ROOT, "One-shot pruning of the same dense model (test accuracy %.2f%%).", 100 * denseAcc));
        for (boolean tuned : new boolean[] {true, false}) {
            List<HtmlReport.Series> lines = new ArrayList<>();
            for (String c : criteria) {
                List<double[]> xy = new ArrayList<>();
                for (Object o : points) {
                    Map<String, Object> p = (Map<String, Object>) o;
                    if (c.equals(p.get("criterion"))) xy.add(new double[] {100 * num(p, "sparsity"), 100 * num(p, tuned ? "test_accuracy" : "test_accuracy_no_finetune")});
                }
                xy.sort((a, b) -> Double.compare(a[0], b[0]));
                lines.add(new HtmlReport.Series(c, xy.stream().mapToDouble(a -> a[0]).toArray(), xy.stream().mapToDouble(a -> a[1]).toArray()));
            }
            r.heading(tuned ? "After fine-tuning" : "Without fine-tuning");
            r.lineChart("sparsity (%)", "test accuracy (%)", lines);
        }
        r.write(file);
    }

    @SuppressWarnings("unchecked")
    static void lottery(Path file, String model, double denseAcc, List<Object> rounds) throws IOException {
        HtmlReport r = new HtmlReport("jprune lottery: " + model);
        r.paragraph(String.format(Locale.ROOT, "Dense test accuracy %.2f%%. Density falls geometrically by round; each round trains the ticket and two controls.", 100 * denseAcc));
        int n = rounds.size();
        double[] d = new double[n], t = new double[n], re = new double[n], rm = new double[n];
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> e = (Map<String, Object>) rounds.get(i);
            d[i] = 100 * num(e, "density");
            t[i] = 100 * num(e, "test_accuracy");
            re[i] = 100 * num(e, "reinit_test_accuracy");
            rm[i] = 100 * num(e, "random_mask_test_accuracy");
            rows.add(List.of(String.valueOf(i + 1), HtmlReport.fmt(d[i]), HtmlReport.fmt(t[i]), HtmlReport.fmt(re[i]), HtmlReport.fmt(rm[i])));
        }
        r.lineChart("density (%)", "test accuracy (%)", List.of(new HtmlReport.Series("ticket (rewound)", d, t),
                new HtmlReport.Series("same mask, random re-init", d, re), new HtmlReport.Series("random mask", d, rm)));
        r.table(List.of("round", "density %", "ticket %", "re-init %", "random mask %"), rows);
        r.write(file);
    }

    static double num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Number x ? x.doubleValue() : Double.NaN;
    }
}
