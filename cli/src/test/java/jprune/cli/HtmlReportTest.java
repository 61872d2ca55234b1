package jprune.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xml.sax.InputSource;

class HtmlReportTest {
    @Test
    void chartsAreWellFormedInlineSvgAndTextIsEscaped(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("report.html");
        new HtmlReport("a <b> & 'c'")
                .charts(new LineChart("l", "t<i>", "x", "y").line("s<1>", new double[] {1, 2, 3}, new double[] {0.5, Double.NaN, 0.7}).rule(0.6, "r&d").html(),
                        new LineChart("g", null, "x", "y").logX().logY().labelled("p", new double[] {0.1, 1, -1}, new double[] {10, 0, 5},
                                new String[] {"a", "b", "c"}).html())
                .charts(new BarChart("b", "bars", "v", List.of("fc1.weight", "fc2.weight")).add("s", new double[] {90, Double.NaN}).max(100).html(),
                        new Histogram("h", "hist", "w", 10).add("before", new float[] {-1, 0, 0.5f, 2}).add("after", new float[] {0, 0, 2}).html(),
                        new Roofline("r", "roof", 469, 34.7).add(new Roofline.Point("csr", "csr 10%", "x", 0.3, 9)).html())
                .table(List.of("h"), List.of(List.of("<td>")))
                .write(f);
        String html = Files.readString(f);
        assertFalse(html.contains("<b>") || html.contains("s<1>") || html.contains("<td><td>") || html.contains("r&d") || html.contains("t<i>"), "text must be escaped");
        assertFalse(html.contains("<script") || html.replace("xmlns='http://www.w3.org/2000/svg'", "").contains("http"), "self-contained");
        assertFalse(html.contains("NaN") || html.contains("Infinity"), "undrawable points are left out, not written");
        Matcher m = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html);
        int n = 0;
        while (m.find()) {
            DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(m.group())));
            n++;
        }
        assertEquals(5, n);
    }

    @Test
    void chartsWithNothingToDrawSaySo() {
        assertTrue(new LineChart("l", "empty", "x", "y").line("s", new double[] {1}, new double[] {Double.NaN}).html().contains("no data"));
        assertTrue(new Histogram("h", "zeros", "w", 5).add("z", new float[] {0, 0}).html().contains("no non-zero"));
        assertTrue(new Roofline("r", "none", Double.NaN, Double.NaN).html().contains("no measurements"));
    }

    @Test
    void aSeriesWithNothingToDrawIsLeftOutOfChartAndLegend() {
        String svg = new LineChart("l", "t", "x", "y").line("measured", new double[] {1, 2}, new double[] {3, 4})
                .dashed("never measured", new double[] {1, 2}, new double[] {Double.NaN, Double.NaN}).html();
        assertTrue(svg.contains("data-name='measured'") && !svg.contains("never measured"), svg);
    }

    @Test
    void pointLabelsNeverOverlap() {
        PointLabels p = new PointLabels(0, 0, 400, 300);
        int placed = 0;
        for (int i = 0; i < 50; i++) if (p.add("label " + i, 200, 150, "#000")) placed++;
        assertTrue(placed >= 4 && placed <= 8, "a crowded spot takes only the labels that fit around it: " + placed);
        assertEquals(50 - placed, p.dropped());
    }

    @Test
    void spreadsAreReadInEveryShapeTheMetricsMayUse() {
        java.util.Map<String, Object> m = new java.util.HashMap<>();
        m.put("t", 2.0);
        assertNull(Metrics.spread(m, "t"));
        m.put("t_spread", List.of(1.5, 2.5));
        assertArrayEquals(new double[] {1.5, 2.5}, Metrics.spread(m, "t"));
        m.put("t_spread", java.util.Map.of("min", 1.0, "max", 3.0));
        assertArrayEquals(new double[] {1.0, 3.0}, Metrics.spread(m, "t"));
        m.put("t_spread", 0.25);
        assertArrayEquals(new double[] {1.75, 2.25}, Metrics.spread(m, "t"));
        m.remove("t_spread");
        m.put("t_min", 1.9);
        m.put("t_max", 2.2);
        assertArrayEquals(new double[] {1.9, 2.2}, Metrics.spread(m, "t"));
        assertEquals("2.00 ms (1.90–2.20)", Metrics.withSpread(m, "t", Metrics::millis, " ms"));
    }
}
