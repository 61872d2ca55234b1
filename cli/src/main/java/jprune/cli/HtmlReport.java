package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import jprune.nn.io.AtomicFiles;

/**
 * A self-contained HTML page: headings, tables and charts drawn as inline SVG, with no scripts,
 * fonts, images or style sheets from elsewhere, so it opens from disk, offline, in any browser, and
 * can be mailed as one file. The charts are built by {@link LineChart}, {@link BarChart},
 * {@link Histogram} and {@link Roofline}; this class lays them out.
 */
final class HtmlReport {
    private static final String STYLE = "body{font-family:sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}"
            + "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}"
            + "table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:3px 9px;text-align:right}"
            + "th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}"
            + ".summary td,.summary th{padding:5px 12px}.summary td{white-space:nowrap}.summary td:first-child{font-weight:bold}"
            + ".charts{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}svg.chart{max-width:100%;height:auto}"
            + ".note{color:#555;font-size:.9em}.empty{color:#888;font-style:italic}";
    private final StringBuilder body = new StringBuilder();
    private final String title;

    HtmlReport(String title) {
        this.title = title;
    }

    HtmlReport heading(String text) {
        body.append("<h2>").append(Svg.esc(text)).append("</h2>\n");
        return this;
    }

    HtmlReport paragraph(String text) {
        body.append("<p>").append(Svg.esc(text)).append("</p>\n");
        return this;
    }

    /** Smaller grey text: how a figure was measured, what a chart leaves out. */
    HtmlReport note(String text) {
        body.append("<p class='note'>").append(Svg.esc(text)).append("</p>\n");
        return this;
    }

    HtmlReport table(List<String> header, List<List<String>> rows) {
        return table(null, header, rows);
    }

    /** A table; cssClass (may be null) styles it, e.g. "summary" for the comparison at the top. */
    HtmlReport table(String cssClass, List<String> header, List<List<String>> rows) {
        body.append(cssClass == null ? "<table>" : "<table class='" + Svg.esc(cssClass) + "'>").append("<tr>");
        for (String h : header) body.append("<th>").append(Svg.esc(h)).append("</th>");
        body.append("</tr>\n");
        for (List<String> r : rows) {
            body.append("<tr>");
            for (String c : r) body.append("<td>").append(Svg.esc(c)).append("</td>");
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** Charts side by side where the page is wide enough, one under another where not. */
    HtmlReport charts(String... html) {
        body.append("<div class='charts'>");
        for (String h : html) body.append(h);
        body.append("</div>\n");
        return this;
    }

    String html() {
        return "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'><title>" + Svg.esc(title)
                + "</title>\n<style>" + STYLE + "</style></head>\n<body><h1>" + Svg.esc(title) + "</h1>\n" + body + "</body></html>\n";
    }

    /** Writes the page atomically: a reader never sees half a report. */
    void write(Path file) throws IOException {
        AtomicFiles.writeString(file, html());
    }
}
