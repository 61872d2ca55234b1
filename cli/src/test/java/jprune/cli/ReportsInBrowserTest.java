package jprune.cli;

import static jprune.cli.ReportAssertions.chart;
import static jprune.cli.ReportAssertions.num;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of report (prune, sweep, lottery, inspect, bench sparse), drawn from synthetic metrics
 * and opened in headless Chromium: each chart must have drawn its axes and series with no console
 * error. One browser run covers them all.
 */
class ReportsInBrowserTest {
    @Test
    @SuppressWarnings("unchecked")
    void everyReportDrawsEveryChartInABrowser(@TempDir Path tmp) throws Exception {
        Path agp = tmp.resolve("prune-agp.html"), channels = tmp.resolve("prune-channels.html"), sweep = tmp.resolve("sweep.html"),
                lottery = tmp.resolve("lottery.html"), inspect = tmp.resolve("inspect.html"), bench = tmp.resolve("bench-sparse.html");
        PruneReport.write(agp, SyntheticMetrics.pruneAgp(), new PruneReport.Files(1067144, 1067144), SyntheticMetrics.compressed(),
                SyntheticMetrics.weights(20000, 0, 1), SyntheticMetrics.weights(20000, 0.9, 2));
        PruneReport.write(channels, SyntheticMetrics.pruneChannels(), new PruneReport.Files(247000, 61000), null,
                SyntheticMetrics.weights(5000, 0, 3), SyntheticMetrics.weights(2000, 0, 4));
        SweepReport.write(sweep, SyntheticMetrics.sweep());
        LotteryReport.write(lottery, SyntheticMetrics.lottery());
        InspectReport.write(inspect, SyntheticMetrics.inspect(), SyntheticMetrics.weights(20000, 0.9, 5));
        BenchSparseReport.write(bench, SyntheticMetrics.benchSparse());
        Path lmPrune = tmp.resolve("lm-prune.html");
        LmPruneReport.write(lmPrune, jprune.nn.io.Json.parseObject("{\"method\":\"sparsegpt\",\"sparsity\":0.5,\"target_sparsity\":0.5,"
                + "\"pattern\":\"unstructured\",\"nsamples\":128,\"seqlen\":128,\"calibration_tokens\":16384,\"calibration\":\"brown:train\","
                + "\"dense_perplexity\":187.2,\"perplexity\":191.9,\"eval\":\"brown:test\",\"prune_seconds\":18.5,\"peak_heap_bytes\":3.1e8,"
                + "\"peak_rss_bytes\":6.2e8,\"threads\":2,\"reconstruction_error_tokens\":2048,\"model\":\"runs/brown-gpt2\",\"layers\":["
                + "{\"name\":\"transformer.h.0.attn.c_attn\",\"shape\":[256,768],\"sparsity\":0.5,\"seconds\":0.2,\"reconstruction_error\":0.031},"
                + "{\"name\":\"transformer.h.0.mlp.c_proj\",\"shape\":[1024,256],\"sparsity\":0.5,\"seconds\":0.4,\"reconstruction_error\":0.052}]}"));
        Path lmSweep = tmp.resolve("lm-sweep.html");
        StringBuilder runs = new StringBuilder();
        String[] methods = {"magnitude", "sparsegpt"}, targets = {"0.5", "0.7", "2:4"};
        for (String m : methods)
            for (String t : targets) {
                double ppl = 187.2 * (1 + (m.equals("magnitude") ? 0.05 : 0.01) * (t.equals("0.7") ? 3 : 1));
                runs.append(runs.length() == 0 ? "" : ",").append("{\"method\":\"").append(m).append("\",\"target\":\"").append(t)
                        .append("\",\"sparsity\":").append(t.equals("0.7") ? 0.7 : 0.5).append(",\"perplexity\":").append(ppl)
                        .append(",\"perplexity_change\":").append(ppl / 187.2 - 1).append(",\"dir\":\"").append(m).append("-").append(t.replace(':', '-')).append("\"}");
            }
        LmSweepReport.write(lmSweep, jprune.nn.io.Json.parseObject("{\"model\":\"runs/brown-gpt2\",\"calib\":\"brown:train\",\"eval\":\"brown:test\","
                + "\"dense_perplexity\":187.2,\"runs\":[" + runs + "]}"), List.of(methods), List.of(targets));
        // A page with a chart the browser rejects, to prove the check can fail: an attribute it cannot parse, a series with nothing in it.
        Path broken = tmp.resolve("broken.html");
        new HtmlReport("broken").table("summary", List.of("a"), List.of(List.of("b"))).charts(PlotArea.header("broken", null, 300, 200)
                + "<g class='axis' data-axis='x'><line x1='0' y1='0' x2='1' y2='0'/><text class='tick' x='5' y='20'>1</text><text class='tick' x='50' y='20'>2</text></g>"
                + "<g class='series' data-name='s'><polyline points='NaN,1 2,2'/></g></svg>").write(broken);

        // What the page says, before any browser: the summary compares all three forms, with the spreads the metrics hold.
        Path lmHeads = tmp.resolve("lm-heads.html"), vitHeads = tmp.resolve("prune-heads.html");
        LmStructuredReport.write(lmHeads, jprune.nn.io.Json.parseObject("{\"granularity\":\"heads\",\"criterion\":\"taylor\",\"model\":\"runs/brown\","
                + "\"params_total\":4.9e6,\"params_total_dense\":5.3e6,\"dense_perplexity\":185.88,\"perplexity_before_finetune\":190.93,"
                + "\"perplexity\":182.17,\"finetune_steps\":300,\"groups_removed\":6,\"groups_total\":16,\"eval\":\"brown:test\","
                + "\"peak_heap_bytes\":2.0e8,\"threads\":2,\"seconds\":95.0,\"heads\":["
                + "{\"name\":\"transformer.h.0.attn\",\"before\":4,\"after\":3},{\"name\":\"transformer.h.1.attn\",\"before\":4,\"after\":2}]}"));
        Map<String, Object> heads = new java.util.LinkedHashMap<>(SyntheticMetrics.pruneChannels());
        heads.remove("channels");
        heads.put("model", "vit-tiny");
        heads.put("granularity", "heads");
        heads.put("heads", List.of(Map.of("name", "blocks.0.attn", "before", 4, "after", 3), Map.of("name", "blocks.1.attn", "before", 4, "after", 3)));
        PruneReport.write(vitHeads, heads, new PruneReport.Files(560000, 490000), null, SyntheticMetrics.weights(5000, 0, 6), SyntheticMetrics.weights(4000, 0, 7));
        assertTrue(Files.readString(vitHeads).contains("Structured pruning of attention heads"), "the heads report says what was removed");
        assertTrue(Files.readString(lmHeads).contains("Removed 6 of 16 heads"), "the LM report says what was removed");
        String agpHtml = Files.readString(agp);
        assertTrue(agpHtml.indexOf("<table class='summary'>") < agpHtml.indexOf("<svg"), "the summary table opens the report");
        for (String cell : List.of("<td>dense</td>", "<td>pruned</td>", "<td>compressed (int8, .jpz)</td>", "0.0370 ms (0.0351–0.0402)", "187k/s (181k–191k)",
                "1.04× (0.97×–1.09×)", "25.1 KiB", "1.02 MiB"))
            assertTrue(agpHtml.contains(cell), "summary lacks " + cell);
        assertFalse(Files.readString(channels).contains("(0."), "no spread is invented where the metrics have none");

        List<HeadlessChromium.Page> pages = HeadlessChromium.render(List.of(agp, channels, sweep, lottery, inspect, bench, broken, lmPrune, lmSweep, lmHeads, vitHeads));
        ReportAssertions.assertDrawn(pages.get(9), Set.of("layer-sizes"));
        ReportAssertions.assertDrawn(pages.get(10), Set.of("schedule", "accuracy", "layer-channels", "layer-size", "weights"));
        List<Map<String, Object>> sw = ReportAssertions.assertDrawn(pages.get(8), Set.of("sweep"));
        assertEquals(List.of("magnitude", "sparsegpt"), ((List<Map<String, Object>>) chart(sw, "sweep").get("series")).stream().map(x -> x.get("name")).toList());
        assertTrue(Files.readString(lmSweep).contains("196.560 (+5.0%)"), "the sweep table states perplexity and its change");
        ReportAssertions.assertDrawn(pages.get(7), Set.of("layer-error", "layer-sparsity"));
        assertTrue(Files.readString(lmPrune).contains("191.900 against 187.200 dense (+2.5%)"), "the lm prune report states the perplexity cost");
        HeadlessChromium.Page bad = pages.get(6);
        assertTrue(bad.console().stream().anyMatch(l -> l.contains("polyline")), "the browser's complaint is caught: " + bad.console());
        assertThrows(AssertionError.class, () -> ReportAssertions.assertDrawn(new HeadlessChromium.Page(bad.file(), bad.result(), List.of()), Set.of("broken")),
                "a chart without a y axis and with an empty series fails the check");
        Set<String> pruneCharts = Set.of("schedule", "accuracy", "layer-sparsity", "layer-size", "weights");
        List<Map<String, Object>> a = ReportAssertions.assertDrawn(pages.get(0), pruneCharts);
        List<String> steps = ticks(chart(a, "schedule"), "x");
        assertTrue(Double.parseDouble(steps.getLast()) >= 3752, "the agp schedule is drawn over all its optimizer steps: " + steps);
        ReportAssertions.assertDrawn(pages.get(1), Set.of("schedule", "accuracy", "layer-channels", "layer-size", "weights"));

        List<Map<String, Object>> s = ReportAssertions.assertDrawn(pages.get(2), Set.of("sweep-finetuned", "sweep-oneshot"));
        List<Map<String, Object>> series = (List<Map<String, Object>>) chart(s, "sweep-finetuned").get("series");
        assertEquals(List.of("magnitude", "random", "taylor", "obd"), series.stream().map(x -> x.get("name")).toList(), "every criterion on one chart");

        List<Map<String, Object>> l = ReportAssertions.assertDrawn(pages.get(3), Set.of("lottery", "lottery-end"));
        assertEquals(List.of("5", "10", "20", "50", "100"), ticks(chart(l, "lottery"), "x"), "log axis of weights left, in percent");
        assertEquals(List.of("5", "10", "20", "50", "100"), ticks(chart(l, "lottery-end"), "x"), "the end-of-training chart on the same axis");

        ReportAssertions.assertDrawn(pages.get(4), Set.of("layer-sparsity", "layer-size", "weights"));

        List<Map<String, Object>> b = ReportAssertions.assertDrawn(pages.get(5), Set.of("speedup-0-b1", "speedup-0-b64", "speedup-1-b1", "speedup-1-b64",
                "speedup-2-b1", "speedup-2-b64", "roofline-streaming", "roofline-warm"));
        Map<String, Object> speed = chart(b, "speedup-0-b1");
        assertEquals(List.of("csr", "bitmask", "block4x4", "N:M"), ((List<Map<String, Object>>) speed.get("series")).stream().map(x -> x.get("name")).toList());
        List<Map<String, Object>> rules = (List<Map<String, Object>>) speed.get("rules");
        assertTrue(rules.size() == 1 && ((String) rules.get(0).get("text")).startsWith("1×") && num(rules.get(0), "w") > 100, "the 1× line is drawn: " + rules);
        assertTrue(ticks(speed, "y").contains("1") && ticks(speed, "x").containsAll(List.of("2", "5", "10", "20", "50")), "log axes in real units: " + speed.get("axes"));
        Map<String, Object> roof = chart(b, "roofline-streaming");
        assertTrue(ticks(roof, "y").containsAll(List.of("1", "10", "100")) && ticks(roof, "x").containsAll(List.of("0.5", "1", "10")),
                "roofline axes in GFLOPS and flop/byte: " + roof.get("axes"));
        assertTrue(num(roof, "pointLabels") >= 10, "roofline points are labelled: " + roof.get("pointLabels"));
        assertTrue(((List<?>) roof.get("rules")).size() == 1, "the roofline ceiling is drawn");
    }

    @SuppressWarnings("unchecked")
    private static List<String> ticks(Map<String, Object> chart, String axis) {
        return (List<String>) ((Map<String, Object>) ((Map<String, Object>) chart.get("axes")).get(axis)).get("ticks");
    }
}
