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
import jprune.prune.SparsitySchedule;
import jprune.prune.Structure;

/**
 * The report of a {@code prune} run, drawn from its metrics: dense against pruned (and compressed,
 * when a compress run of the pruned model is known) at the top, then the sparsity schedule beside the
 * accuracy it cost, each layer's sparsity and size, and the weights before and after.
 */
final class PruneReport {
    /** The sizes of the files the run read and wrote, which metrics.json does not record. */
    record Files(long denseBytes, long prunedBytes) {}

    private PruneReport() {}

    /** All prunable weight values of a model, concatenated (for the histogram). */
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

    /**
     * Writes the report. compressed is a compress run's metrics (null if none); before and after are
     * the prunable weights of the dense and pruned models.
     */
    static void write(Path file, Map<String, Object> m, Files files, Map<String, Object> compressed, float[] before, float[] after) throws IOException {
        build(m, files, compressed, before, after).write(file);
    }

    /** The metrics key holding per-layer counts of removed structures (channels, heads, mlp_neurons, blocks, hidden). */
    private static String unitKey(Map<String, Object> m) {
        for (Structure s : Structure.values()) if (s != Structure.CHANNELS && m.containsKey(s.metricsKey())) return s.metricsKey();
        return "channels";
    }

    static HtmlReport build(Map<String, Object> m, Files files, Map<String, Object> compressed, float[] before, float[] after) {
        boolean compacted = Boolean.TRUE.equals(m.get("compacted"));
        HtmlReport r = new HtmlReport("jprune prune: " + Metrics.str(m, "model"));
        double dense = Metrics.num(m, "dense_test_accuracy");
        String granularity = Metrics.str(m, "granularity");
        granularity = granularity.isEmpty() ? "" : Character.toUpperCase(granularity.charAt(0)) + granularity.substring(1);
        String unitKey = unitKey(m);
        String units = switch (unitKey) {
            case "heads" -> "attention heads";
            case "mlp_neurons" -> "MLP neurons";
            case "blocks" -> "blocks";
            case "hidden" -> "hidden dimensions of the residual stream";
            default -> "channels";
        };
        if (compacted) {
            r.paragraph(String.format(Locale.ROOT, "Structured pruning of %s with the %s criterion, %s scope and %s schedule, %s of the %s "
                            + "asked for, then physically removed: the compacted model has %s parameters against %s dense. Test accuracy %s against %s dense, "
                            + "%s.", units, Metrics.str(m, "criterion"), Metrics.str(m, "scope"), Metrics.str(m, "schedule"),
                    Metrics.percentShort(Metrics.num(m, "target_sparsity")), units, Metrics.count(Metrics.num(m, "params_total")),
                    Metrics.count(Metrics.num(m, "params_total_dense")), Metrics.percent(Metrics.num(m, "test_accuracy")), Metrics.percent(dense),
                    Metrics.drop(Metrics.num(m, "accuracy_drop_points"))));
        } else r.paragraph(String.format(Locale.ROOT, "%s pruning with the %s criterion, %s schedule, to %s sparsity (asked for %s) "
                        + "of the prunable weights: test accuracy %s against %s dense, %s.",
                granularity, Metrics.str(m, "criterion"),
                // N:M keeps N of every M weights in each group: no scope compares weights across layers.
                (Metrics.str(m, "granularity").matches("\\d+:\\d+") ? "" : Metrics.str(m, "scope") + " scope and ") + Metrics.str(m, "schedule"),
                Metrics.percent(Metrics.num(m, "sparsity")), Metrics.percent(Metrics.num(m, "target_sparsity")), Metrics.percent(Metrics.num(m, "test_accuracy")),
                Metrics.percent(dense), Metrics.drop(Metrics.num(m, "accuracy_drop_points"))));

        Map<String, Object> inference = Metrics.map(m, "inference");
        double denseParams = Double.isFinite(Metrics.num(m, "params_total_dense")) ? Metrics.num(m, "params_total_dense") : Metrics.num(m, "params_total");
        SummaryTable summary = new SummaryTable(dense);
        summary.add(new SummaryTable.Variant("dense", dense, denseParams, denseParams, files.denseBytes(), Metrics.map(inference, "dense"), null));
        summary.add(new SummaryTable.Variant(compacted ? "pruned, compacted" : "pruned", Metrics.num(m, "test_accuracy"),
                Metrics.num(m, "params_nonzero"), denseParams, files.prunedBytes(), Metrics.map(inference, "pruned"), Metrics.map(inference, "dense")));
        if (compressed != null) {
            Map<String, Object> ci = Metrics.map(compressed, "inference");
            String how = "compressed (" + Metrics.str(compressed, "quantize") + (compressed.containsKey("bits") ? " " + Metrics.str(compressed, "bits") + "-bit" : "")
                    + ", .jpz)";
            summary.add(new SummaryTable.Variant(how, Metrics.num(compressed, "test_accuracy"), Metrics.num(m, "params_nonzero"), denseParams,
                    Metrics.num(compressed, "compressed_bytes"), Metrics.map(ci, "compressed"), Metrics.map(ci, "dense")));
        }
        summary.appendTo(r);
        r.note("Latency: median of single-image requests; throughput: images per second at batch 64; ranges in brackets are the spread of the "
                + "measurements where the run recorded one. Speedups are against the dense model timed in the same run. The pruned checkpoint stores "
                + "its zeros (it runs on dense kernels unless compacted); the compressed file holds only the survivors, in the format timed fastest per layer.");

        r.heading("Sparsity schedule and accuracy");
        List<Map<String, Object>> rounds = Metrics.maps(m, "rounds");
        r.charts(scheduleChart(m, rounds), accuracyChart(rounds, dense));
        List<List<String>> rows = new ArrayList<>();
        for (Map<String, Object> e : rounds)
            rows.add(List.of(Metrics.count(Metrics.num(e, "round")), Metrics.percent(Metrics.num(e, "sparsity")),
                    Metrics.percent(Metrics.num(e, "test_accuracy_before_finetune")), Metrics.percent(Metrics.num(e, "test_accuracy")),
                    String.format(Locale.ROOT, "%.1f", Metrics.num(e, "seconds"))));
        r.table(List.of("round", "sparsity", "accuracy before fine-tuning", "after", "seconds"), rows);

        List<Map<String, Object>> channels = Metrics.maps(m, unitKey);
        if (channels.isEmpty()) {
            LayerCharts.append(r, Metrics.maps(m, "layers"), null);
        } else {
            // A compacted model has no zeros left: what changed per layer is its width.
            List<String> names = new ArrayList<>();
            double[] wide = new double[channels.size()], kept = new double[channels.size()];
            for (int i = 0; i < channels.size(); i++) {
                names.add(Metrics.str(channels.get(i), "name"));
                wide[i] = Metrics.num(channels.get(i), "before");
                kept[i] = Metrics.num(channels.get(i), "after");
            }
            LayerCharts.append(r, Metrics.maps(m, "layers"), new BarChart("layer-channels", Character.toUpperCase(units.charAt(0)) + units.substring(1) + " per layer",
                            unitKey.equals("channels") ? "channels (neurons or filters)" : units, names)
                    .add("before", wide).add("kept", kept).valueLabel(Metrics::count).width(460).html());
        }

        r.heading("Weights before and after pruning");
        r.charts(new Histogram("weights", null, "weight value", 80).add("dense", before).add("pruned (survivors)", after).html());
        return r;
    }

    /**
     * Sparsity over the run. Gradual pruning plots the schedule itself, step by step as the mask is
     * updated (from the recipe's agp parameters); round-based schedules plot what each round reached.
     */
    static String scheduleChart(Map<String, Object> m, List<Map<String, Object>> rounds) {
        Map<String, Object> agp = Metrics.map(Metrics.map(m, "recipe"), "agp");
        double target = Metrics.num(Metrics.map(m, "recipe"), "sparsity");
        if (!Double.isFinite(target)) target = Metrics.num(m, "target_sparsity");
        if (!agp.isEmpty() && Double.isFinite(target)) {
            try {
                SparsitySchedule.Gradual g = new SparsitySchedule.Gradual(Metrics.num(agp, "initial_sparsity"), (int) Metrics.num(agp, "start_step"),
                        (int) Metrics.num(agp, "prune_steps"), (int) Metrics.num(agp, "frequency"));
                long end = (long) g.startStep() + g.pruneSteps(), tail = Math.max(1, end / 10);
                // Every update when there are up to ~1000 of them, else every k-th (a multiple of the update
                // interval, so each drawn step is one the run really took): finer than the chart's pixels.
                long stride = Math.max(1, (long) g.pruneSteps() / g.frequency() / 1000 + 1) * g.frequency();
                List<double[]> pts = new ArrayList<>();
                double current = g.initialSparsity();
                pts.add(new double[] {0, 100 * current});
                for (long t = g.startStep(); ; t = Math.min(end, t + stride)) {
                    double next = g.sparsityAt((int) Math.min(Integer.MAX_VALUE, t), target);
                    pts.add(new double[] {t, 100 * current});
                    pts.add(new double[] {t, 100 * next});
                    current = next;
                    if (t == end) break;
                }
                pts.add(new double[] {end + tail, 100 * current});
                return new LineChart("schedule", "Sparsity schedule (AGP, cubic)", "optimizer step", "sparsity (%)").size(460, 240).includeY(0)
                        .line("sparsity of the mask", pts.stream().mapToDouble(p -> p[0]).toArray(), pts.stream().mapToDouble(p -> p[1]).toArray()).html();
            } catch (IllegalArgumentException e) {
                // A recipe whose agp block does not describe a schedule: plot by round below.
            }
        }
        // Round-based schedules prune at the start of each round, then fine-tune: a staircase whose
        // step r spans round r.
        List<double[]> pts = new ArrayList<>(List.of(new double[] {0, 0}));
        for (Map<String, Object> e : rounds) {
            double r = Metrics.num(e, "round"), sp = 100 * Metrics.num(e, "sparsity");
            pts.add(new double[] {r - 1, sp});
            pts.add(new double[] {r, sp});
        }
        return new LineChart("schedule", "Sparsity by round", "fine-tuning round", "sparsity (%)").size(460, 240).integerX().includeY(0)
                .line("sparsity of the mask", pts.stream().mapToDouble(p -> p[0]).toArray(), pts.stream().mapToDouble(p -> p[1]).toArray()).html();
    }

    static String accuracyChart(List<Map<String, Object>> rounds, double dense) {
        double[] x = new double[rounds.size()], after = new double[rounds.size()], before = new double[rounds.size()];
        for (int i = 0; i < rounds.size(); i++) {
            x[i] = Metrics.num(rounds.get(i), "round");
            after[i] = 100 * Metrics.num(rounds.get(i), "test_accuracy");
            before[i] = 100 * Metrics.num(rounds.get(i), "test_accuracy_before_finetune");
        }
        return new LineChart("accuracy", "Test accuracy by round", "round (an epoch for agp)", "test accuracy (%)").size(460, 240).integerX()
                .line("after fine-tuning", x, after).dashed("just after pruning", x, before)
                .rule(100 * dense, "dense " + Metrics.percent(dense)).html();
    }
}
