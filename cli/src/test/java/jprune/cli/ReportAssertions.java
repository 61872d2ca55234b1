package jprune.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** What every report must satisfy once a browser has drawn it. */
final class ReportAssertions {
    /** A tick label in the data's units: 30, 0.5, 1.25, 200k, 1M; never an exponent such as 1e-3 or −0.01826. */
    private static final Pattern ROUND_TICK = Pattern.compile("-?\\d{1,4}(\\.\\d{1,3})?[kM]?");

    private ReportAssertions() {}

    /**
     * The page loaded nothing from elsewhere and ran no script, logged nothing to the console, holds
     * at least the expected charts, and every chart drew: inside its box, two axes with round tick
     * labels the browser laid out, every series with a non-empty extent, a legend entry per series
     * where there are several.
     */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> assertDrawn(HeadlessChromium.Page page, Set<String> expectedCharts) throws IOException {
        String where = page.file().toString();
        String html = Files.readString(page.file());
        assertFalse(html.contains("<script") || html.contains("<link") || html.contains("<img") || html.contains("src="), where + ": self-contained, no scripts");
        assertFalse(html.replace("xmlns='http://www.w3.org/2000/svg'", "").matches("(?s).*https?://.*"), where + ": no network references");
        assertTrue(page.console().isEmpty(), where + ": console messages:\n" + String.join("\n", page.console()));
        Map<String, Object> r = page.result();
        assertNull(r.get("error"), where + ": " + r.get("error"));
        assertEquals(List.of(), r.get("resources"), where + ": loads nothing");
        assertEquals(0L, ((Number) r.get("scripts")).longValue(), where);
        assertEquals(Boolean.TRUE, r.get("firstTableIsSummary"), where + ": the summary table comes first");
        List<Map<String, Object>> charts = (List<Map<String, Object>>) r.get("charts");
        List<String> ids = new ArrayList<>();
        for (Map<String, Object> c : charts) ids.add((String) c.get("id"));
        assertTrue(ids.containsAll(expectedCharts), where + ": charts " + ids + " lack some of " + expectedCharts);
        for (Map<String, Object> c : charts) {
            String id = where + " chart " + c.get("id");
            assertTrue(num(c, "w") > 100 && num(c, "h") > 100, id + " has no size: " + c);
            Map<String, Object> box = (Map<String, Object>) c.get("content");
            assertTrue(num(box, "x") >= -1 && num(box, "y") >= -1 && num(box, "x") + num(box, "w") <= num(c, "vw") + 1
                    && num(box, "y") + num(box, "h") <= num(c, "vh") + 1, id + " draws outside its box: " + box + " in " + c.get("vw") + "×" + c.get("vh"));
            Map<String, Object> axes = (Map<String, Object>) c.get("axes");
            for (String a : List.of("x", "y")) {
                Map<String, Object> axis = (Map<String, Object>) axes.get(a);
                assertNotNull(axis, id + " has no " + a + " axis");
                List<String> ticks = (List<String>) axis.get("ticks");
                assertTrue(num(axis, "drawn") >= 1 && num(axis, "drawn") == ticks.size(), id + ": " + a + " tick labels not laid out: " + axis);
                assertTrue(num(axis, "marks") >= 1, id + ": " + a + " axis has no lines");
                boolean categories = a.equals("y") && id.contains("layer-");   // bar charts name their rows
                if (!categories) {
                    assertTrue(ticks.size() >= 2, id + ": " + a + " axis needs >= 2 ticks: " + ticks);
                    for (String t : ticks) assertTrue(ROUND_TICK.matcher(t).matches(), id + ": tick label '" + t + "' is not a round number in real units");
                    assertEquals(ticks.size(), Set.copyOf(ticks).size(), id + ": repeated tick labels " + ticks);
                }
            }
            List<Map<String, Object>> series = (List<Map<String, Object>>) c.get("series");
            assertFalse(series.isEmpty(), id + " has no series");
            for (Map<String, Object> s : series)
                assertTrue(num(s, "marks") > 0 && num(s, "w") + num(s, "h") > 0, id + ": series " + s.get("name") + " drew nothing: " + s);
            if (series.size() > 1) assertTrue(num(c, "legend") >= series.size(), id + ": " + series.size() + " series but " + c.get("legend") + " legend entries");
        }
        return charts;
    }

    /** The chart with this id. */
    static Map<String, Object> chart(List<Map<String, Object>> charts, String id) {
        return charts.stream().filter(c -> id.equals(c.get("id"))).findFirst().orElseThrow(() -> new AssertionError("no chart " + id));
    }

    static double num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }
}
