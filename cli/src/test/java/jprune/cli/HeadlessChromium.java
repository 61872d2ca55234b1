package jprune.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import jprune.nn.io.Json;
import org.junit.jupiter.api.Assumptions;

/**
 * Opens reports in a real browser, headless Chromium, and reports what it drew. All reports load at
 * once, unchanged, as frames of one harness page whose script measures each chart after layout
 * (bounding boxes of axes, tick labels, series, legends) and writes the figures into the page; the
 * test reads them from the DOM Chromium dumps. Console messages (SVG attributes the browser rejected,
 * script errors, failed loads) come from Chromium's log on stderr.
 *
 * <p>Where Chromium is missing or cannot start, the calling test is skipped with the reason, unless
 * {@code JPRUNE_REQUIRE_CHROMIUM=1} (set by bin/test once it has installed Chromium) makes that a
 * failure.
 */
final class HeadlessChromium {
    /** What Chromium drew of one report: its charts (as measured by the harness script) and its console messages. */
    record Page(Path file, Map<String, Object> result, List<String> console) {}

    private static final String HARNESS_SCRIPT = """
            window.addEventListener('load', () => {
              const out = [];
              for (const f of document.querySelectorAll('iframe')) {
                const r = {src: f.dataset.src, charts: []};
                try {
                  const doc = f.contentDocument, win = f.contentWindow;
                  r.title = doc.title;
                  r.scripts = doc.scripts.length;
                  r.resources = win.performance.getEntriesByType('resource').map(e => e.name);
                  r.firstTableIsSummary = (doc.querySelector('table') || {}).className === 'summary';
                  for (const svg of doc.querySelectorAll('svg.chart')) {
                    const box = svg.getBoundingClientRect(), content = svg.getBBox();
                    const c = {id: svg.dataset.chart, w: box.width, h: box.height,
                               vw: svg.viewBox.baseVal.width, vh: svg.viewBox.baseVal.height,
                               content: {x: content.x, y: content.y, w: content.width, h: content.height},
                               axes: {}, series: [], rules: [], legend: 0, pointLabels: 0};
                    for (const a of svg.querySelectorAll('g.axis')) {
                      const ticks = [...a.querySelectorAll('text.tick')];
                      const line = a.querySelector('line');
                      c.axes[a.dataset.axis] = {ticks: ticks.map(t => t.textContent),
                        drawn: ticks.filter(t => { const b = t.getBBox(); return b.width > 0 && b.height > 0; }).length,
                        marks: a.querySelectorAll('line').length};
                    }
                    for (const s of svg.querySelectorAll('g.series')) {
                      const b = s.getBBox();
                      c.series.push({name: s.dataset.name, w: b.width, h: b.height, marks: s.childElementCount});
                    }
                    for (const s of svg.querySelectorAll('g.rule')) c.rules.push({text: s.textContent, w: s.getBBox().width});
                    c.legend = svg.querySelectorAll('g.legend g.entry').length;
                    c.pointLabels = svg.querySelectorAll('g.point-labels text').length;
                    r.charts.push(c);
                  }
                } catch (e) {
                  r.error = String(e);
                }
                out.push(r);
              }
              document.getElementById('jprune-result').textContent = JSON.stringify(out);
            });
            """;

    private HeadlessChromium() {}

    static Path binary() {
        String env = System.getenv("JPRUNE_CHROMIUM");
        List<String> candidates = new ArrayList<>();
        if (env != null && !env.isBlank()) candidates.add(env);
        candidates.addAll(List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"));
        for (String c : candidates) if (Files.isExecutable(Path.of(c))) return Path.of(c);
        return null;
    }

    private static void skip(String why) {
        if ("1".equals(System.getenv("JPRUNE_REQUIRE_CHROMIUM"))) throw new AssertionError(why + " (JPRUNE_REQUIRE_CHROMIUM=1 requires a browser test)");
        Assumptions.abort(why);
    }

    /** Renders every report in one Chromium run and returns what each drew, in order. */
    @SuppressWarnings("unchecked")
    static List<Page> render(List<Path> reports) throws IOException, InterruptedException {
        Path chromium = binary();
        if (chromium == null) {
            skip("Chromium not found (looked at $JPRUNE_CHROMIUM, /usr/bin/chromium, chromium-browser, google-chrome): bin/test installs Debian's "
                    + "'chromium' package when run as root; without it the reports are not checked in a browser");
        }
        Path work = Files.createTempDirectory("jprune-chromium");
        try {
            StringBuilder page = new StringBuilder("<!doctype html><html><head><meta charset='utf-8'></head><body>");
            for (Path r : reports) {
                String uri = r.toAbsolutePath().toUri().toString();
                page.append("<iframe width='1200' height='900' src='").append(uri).append("' data-src='").append(uri).append("'></iframe>");
            }
            page.append("<pre id='jprune-result'></pre><script>").append(HARNESS_SCRIPT).append("</script></body></html>");
            Path harness = work.resolve("harness.html");
            Files.writeString(harness, page.toString());
            Path stdout = work.resolve("dom.html"), stderr = work.resolve("stderr.txt");
            List<String> cmd = List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
                    // Frames from file:// may be read by the harness (same origin only with this flag).
                    "--allow-file-access-from-files",
                    "--user-data-dir=" + work.resolve("profile"), "--enable-logging=stderr", "--v=0", "--dump-dom", harness.toUri().toString());
            Process p;
            try {
                p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            } catch (IOException e) {
                skip("Chromium at " + chromium + " could not be started: " + e.getMessage());
                return List.of();
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("Chromium did not finish within 120 s; stderr:\n" + tail(stderr));
            }
            String dom = Files.readString(stdout, StandardCharsets.UTF_8);
            if (dom.isBlank()) skip("Chromium at " + chromium + " ran but rendered nothing (exit " + p.exitValue() + "); stderr:\n" + tail(stderr));
            int at = dom.indexOf("<pre id=\"jprune-result\">");
            if (at < 0) throw new AssertionError("the harness page did not come back from Chromium:\n" + dom);
            String json = dom.substring(at + "<pre id=\"jprune-result\">".length(), dom.indexOf("</pre>", at))
                    .replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
            if (json.isBlank()) throw new AssertionError("the harness script did not run; stderr:\n" + tail(stderr));
            List<Object> results = (List<Object>) Json.parse(json);
            List<String> console = Files.readAllLines(stderr, StandardCharsets.UTF_8).stream().filter(l -> l.contains(":CONSOLE")).toList();
            List<String> uris = reports.stream().map(r -> r.toAbsolutePath().toUri().toString()).toList();
            List<Page> pages = new ArrayList<>();
            for (int i = 0; i < reports.size(); i++) {
                String uri = uris.get(i);
                // Chromium names the file a message came from; a message naming no report (the harness's, the
                // browser's own) counts against every page rather than none.
                List<String> mine = console.stream().filter(l -> l.contains(uri) || uris.stream().noneMatch(l::contains)).toList();
                pages.add(new Page(reports.get(i), (Map<String, Object>) results.get(i), mine));
            }
            return pages;
        } finally {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static String tail(Path f) throws IOException {
        List<String> lines = Files.exists(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
