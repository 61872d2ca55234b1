package jprune.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Overlaid histograms of value sets sharing bins (a model's weights before and after pruning), zeros
 * left out: pruned weights are exact zeros and would dwarf every other bar.
 */
final class Histogram {
    private final String id, title, xTitle;
    private final List<String> names = new ArrayList<>();
    private final List<float[]> sets = new ArrayList<>();
    private final int bins;
    private int width = 640, height = 260;

    Histogram(String id, String title, String xTitle, int bins) {
        if (bins < 1) throw new IllegalArgumentException("a histogram needs >= 1 bin, got " + bins);
        this.id = id;
        this.title = title;
        this.xTitle = xTitle;
        this.bins = bins;
    }

    Histogram add(String name, float[] values) {
        names.add(name);
        sets.add(values);
        return this;
    }

    Histogram size(int width, int plotHeight) {
        this.width = width;
        this.height = plotHeight;
        return this;
    }

    String html() {
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (float[] s : sets) for (float v : s) if (v != 0f && Float.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        if (lo > hi) return "<p class='empty'>" + Svg.esc(title) + ": no non-zero values.</p>";
        // Bins on the rounded axis, so bar edges line up with the ticks below them.
        Axis ax = Axis.linear(lo, hi, false);
        double width0 = (ax.hi() - ax.lo()) / bins;
        List<double[]> counts = new ArrayList<>();
        double top = 1;
        for (float[] s : sets) {
            double[] c = new double[bins];
            for (float v : s) if (v != 0f && Float.isFinite(v)) c[Math.min(bins - 1, Math.max(0, (int) ((v - ax.lo()) / width0)))]++;
            for (double x : c) top = Math.max(top, x);
            counts.add(c);
        }
        PlotArea p = new PlotArea(id, title, width, height, ax, xTitle, Axis.linear(0, top, true), "count (zeros left out)");
        StringBuilder svg = p.open();
        for (int k = 0; k < counts.size(); k++) {
            String color = Svg.color(k);
            svg.append("<g class='series' data-name='").append(Svg.esc(names.get(k))).append("'>");
            for (int b = 0; b < bins; b++) {
                double c = counts.get(k)[b];
                if (c == 0) continue;
                double x0 = p.px(ax.lo() + b * width0), x1 = p.px(ax.lo() + (b + 1) * width0);
                svg.append("<rect x='").append(Svg.n(x0)).append("' y='").append(Svg.n(p.py(c))).append("' width='").append(Svg.n(Math.max(0.5, x1 - x0)))
                        .append("' height='").append(Svg.n(p.py(0) - p.py(c))).append("' fill='").append(color).append("' fill-opacity='0.5'/>");
            }
            svg.append("</g>");
            p.legend(names.get(k), color, "box");
        }
        return p.close(svg);
    }
}
