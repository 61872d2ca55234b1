package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jprune.nn.io.AtomicFiles;

/**
 * A self-contained HTML report: headings, tables and charts drawn as inline SVG, no scripts and
 * no external files, so it opens in any browser straight from disk.
 */
final class HtmlReport {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
    private final StringBuilder body = new StringBuilder();
    private final String title;

    /** A named line: x and y values of equal length. */
    record Series(String name, double[] x, double[] y) {}

    HtmlReport(String title) {
        this.title = title;
    }

    HtmlReport heading(String text) {
        body.append("<h2>").append(esc(text)).append("</h2>\n");
        return this;
    }

    HtmlReport paragraph(String text) {
        body.append("<p>").append(esc(text)).append("</p>\n");
        return this;
    }

    HtmlReport table(List<String> header, List<List<String>> rows) {
        body.append("<table><tr>");
        for (String h : header) body.append("<th>").append(esc(h)).append("</th>");
        body.append("</tr>\n");
        for (List<String> r : rows) {
            body.append("<tr>");
            for (String c : r) body.append("<td>").append(esc(c)).append("</td>");
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** Lines on shared axes (e.g. accuracy against sparsity, one line per criterion). */
    HtmlReport lineChart(String xLabel, String yLabel, List<Series> series) {
        double xmin = Double.MAX_VALUE, xmax = -Double.MAX_VALUE, ymin = Double.MAX_VALUE, ymax = -Double.MAX_VALUE;
        for (Series s : series) {
            for (double v : s.x()) if (Double.isFinite(v)) { xmin = Math.min(xmin, v); xmax = Math.max(xmax, v); }
            for (double v : s.y()) if (Double.isFinite(v)) { ymin = Math.min(ymin, v); ymax = Math.max(ymax, v); }
        }
        if (xmin > xmax) return paragraph("(no data to plot)");
        if (xmax == xmin) xmax = xmin + 1;
        double pad = Math.max(1e-9, (ymax - ymin) * 0.08);
        ymin -= pad;
        ymax += pad;
        Frame f = new Frame(640, 320, xmin, xmax, ymin, ymax);
        StringBuilder svg = f.open(xLabel, yLabel);
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String color = COLORS[i % COLORS.length];
            StringBuilder pts = new StringBuilder();
            for (int k = 0; k < s.x().length; k++) {
                if (!Double.isFinite(s.y()[k])) continue;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", f.px(s.x()[k]), f.py(s.y()[k])));
                svg.append(String.format(Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'><title>%s: %s</title></circle>",
                        f.px(s.x()[k]), f.py(s.y()[k]), color, esc(s.name()), fmt(s.y()[k])));
            }
            svg.append("<polyline fill='none' stroke='").append(color).append("' stroke-width='2' points='").append(pts).append("'/>");
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' fill='%s' font-size='12'>%s</text>", f.left + 10, f.top + 14 + 15 * i, color, esc(s.name())));
        }
        body.append(svg).append("</svg>\n");
        return this;
    }

    /** Horizontal bars, one per label (e.g. per-layer sparsity). */
    HtmlReport barChart(String valueLabel, List<String> labels, double[] values, double max) {
        int rowH = 22, w = 640, labelW = 220, h = rowH * labels.size() + 30;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT, "<svg width='%d' height='%d' xmlns='http://www.w3.org/2000/svg'>", w, h));
        for (int i = 0; i < labels.size(); i++) {
            double len = (w - labelW - 80) * Math.max(0, values[i]) / max;
            int y = 10 + i * rowH;
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' font-size='12' text-anchor='end'>%s</text>", labelW - 8, y + 14, esc(labels.get(i))));
            svg.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%.1f' height='%d' fill='%s'/>", labelW, y, len, rowH - 6, COLORS[0]));
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='12'>%s</text>", labelW + len + 6, y + 14, fmt(values[i])));
        }
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' font-size='12'>%s</text>", labelW, h - 4, esc(valueLabel)));
        body.append(svg).append("</svg>\n");
        return this;
    }

    /** Overlaid histograms of several value sets (e.g. weights before and after pruning), zeros left out. */
    HtmlReport histogram(String xLabel, List<String> names, List<float[]> sets, int bins) {
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (float[] s : sets) for (float v : s) if (v != 0f) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        if (lo > hi) return paragraph("(no non-zero values)");
        List<double[]> counts = new ArrayList<>();
        double top = 1;
        for (float[] s : sets) {
            double[] c = new double[bins];
            for (float v : s) if (v != 0f) c[Math.min(bins - 1, (int) ((v - lo) / (hi - lo + 1e-30) * bins))]++;
            for (double x : c) top = Math.max(top, x);
            counts.add(c);
        }
        Frame f = new Frame(640, 300, lo, hi, 0, top);
        StringBuilder svg = f.open(xLabel, "count (zeros excluded)");
        double bw = (hi - lo) / bins;
        for (int k = 0; k < counts.size(); k++) {
            String color = COLORS[k % COLORS.length];
            for (int b = 0; b < bins; b++) {
                double c = counts.get(k)[b];
                if (c == 0) continue;
                svg.append(String.format(Locale.ROOT, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s' fill-opacity='0.5'/>",
                        f.px(lo + b * bw), f.py(c), Math.max(0.5, f.px(lo + (b + 1) * bw) - f.px(lo + b * bw)), f.py(0) - f.py(c), color));
            }
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' fill='%s' font-size='12'>%s</text>", f.left + 10, f.top + 14 + 15 * k, color, esc(names.get(k))));
        }
        body.append(svg).append("</svg>\n");
        return this;
    }

    /** A labelled point of a roofline: arithmetic intensity (flops per byte) and achieved GFLOPS. */
    record RooflinePoint(String group, String label, double intensity, double gflops) {}

    /**
     * A roofline on log-log axes: the ceiling min(peak, intensity × bandwidth) from the measured
     * limits, and each kernel where it ran, coloured by group (e.g. format).
     */
    HtmlReport roofline(double peakGflops, double bandwidthGBs, List<RooflinePoint> points) {
        double xlo = 0.01, xhi = 1000, ylo = 0.1, yhi = Math.max(10, peakGflops * 2);
        for (RooflinePoint p : points) {
            if (p.intensity() > 0) { xlo = Math.min(xlo, p.intensity() / 2); xhi = Math.max(xhi, p.intensity() * 2); }
            if (p.gflops() > 0) ylo = Math.min(ylo, p.gflops() / 2);
        }
        Frame f = new Frame(640, 360, Math.log10(xlo), Math.log10(xhi), Math.log10(ylo), Math.log10(yhi));
        StringBuilder svg = f.open("flops per byte (log10)", "GFLOPS (log10)");
        StringBuilder roof = new StringBuilder();
        for (int i = 0; i <= 200; i++) {
            double lx = f.xmin + (f.xmax - f.xmin) * i / 200, y = Math.min(peakGflops, Math.pow(10, lx) * bandwidthGBs);
            roof.append(String.format(Locale.ROOT, "%.1f,%.1f ", f.px(lx), f.py(Math.log10(y))));
        }
        svg.append("<polyline fill='none' stroke='#333' stroke-width='2' points='").append(roof).append("'/>");
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='%.1f' font-size='12'>peak %s GFLOPS, %s GB/s</text>",
                f.left + 10, f.py(Math.log10(peakGflops)) - 6, fmt(peakGflops), fmt(bandwidthGBs)));
        List<String> groups = new ArrayList<>();
        for (RooflinePoint p : points) if (!groups.contains(p.group())) groups.add(p.group());
        for (RooflinePoint p : points) {
            if (!(p.intensity() > 0 && p.gflops() > 0)) continue;
            String color = COLORS[groups.indexOf(p.group()) % COLORS.length];
            svg.append(String.format(Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s' fill-opacity='0.7'><title>%s: %s GFLOPS at %s flop/B</title></circle>",
                    f.px(Math.log10(p.intensity())), f.py(Math.log10(p.gflops())), color, esc(p.label()), fmt(p.gflops()), fmt(p.intensity())));
        }
        for (int k = 0; k < groups.size(); k++)
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' fill='%s' font-size='12'>%s</text>", f.w - f.right - 120, f.h - f.bottom - 10 - 15 * k,
                    COLORS[k % COLORS.length], esc(groups.get(k))));
        body.append(svg).append("</svg>\n");
        return this;
    }

    void write(Path file) throws IOException {
        String html = "<!doctype html>\n<html><head><meta charset='utf-8'><title>" + esc(title) + "</title>\n"
                + "<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}"
                + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}</style></head>\n"
                + "<body><h1>" + esc(title) + "</h1>\n" + body + "</body></html>\n";
        AtomicFiles.writeString(file, html);
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, Math.abs(v) >= 100 || v == Math.rint(v) ? "%.0f" : "%.4g", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace("\"", "&quot;");
    }

    /** Plot area and axis mapping. */
    private static final class Frame {
        final int w, h, left = 60, top = 10, right = 20, bottom = 40;
        final double xmin, xmax, ymin, ymax;

        Frame(int w, int h, double xmin, double xmax, double ymin, double ymax) {
            this.w = w;
            this.h = h;
            this.xmin = xmin;
            this.xmax = xmax;
            this.ymin = ymin;
            this.ymax = ymax;
        }

        double px(double x) {
            return left + (x - xmin) / (xmax - xmin) * (w - left - right);
        }

        double py(double y) {
            return h - bottom - (y - ymin) / (ymax - ymin) * (h - top - bottom);
        }

        StringBuilder open(String xLabel, String yLabel) {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "<svg width='%d' height='%d' xmlns='http://www.w3.org/2000/svg'>", w, h));
            s.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#999'/>", left, top, w - left - right, h - top - bottom));
            for (int i = 0; i <= 4; i++) {
                double xv = xmin + (xmax - xmin) * i / 4, yv = ymin + (ymax - ymin) * i / 4;
                s.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%s</text>", px(xv), h - bottom + 14, fmt(xv)));
                s.append(String.format(Locale.ROOT, "<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%s</text>", left - 4, py(yv) + 4, fmt(yv)));
            }
            s.append(String.format(Locale.ROOT, "<text x='%d' y='%d' font-size='12' text-anchor='middle'>%s</text>", (left + w - right) / 2, h - 6, esc(xLabel)));
            s.append(String.format(Locale.ROOT, "<text x='14' y='%d' font-size='12' transform='rotate(-90 14 %d)' text-anchor='middle'>%s</text>", h / 2, h / 2, esc(yLabel)));
            return s;
        }
    }
}
