package jprune.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Horizontal bars, one row per category (a layer, say) and one bar per series in each row (a
 * layer's weights and its non-zeros), on a value axis that starts at zero and ends on a round tick.
 * Each bar carries its value at its end.
 */
final class BarChart {
    private record Series(String name, double[] values) {}

    private static final int ROW_GAP = 8, BAR = 14, RIGHT = 70;
    private final String id, title, valueTitle;
    private final List<String> categories;
    private final List<Series> series = new ArrayList<>();
    private double max = Double.NaN;
    private int width = 640;
    private java.util.function.DoubleFunction<String> valueLabel = Svg::num;

    BarChart(String id, String title, String valueTitle, List<String> categories) {
        this.id = id;
        this.title = title;
        this.valueTitle = valueTitle;
        this.categories = List.copyOf(categories);
    }

    BarChart add(String name, double[] values) {
        if (values.length != categories.size())
            throw new IllegalArgumentException("series '" + name + "' has " + values.length + " values for " + categories.size() + " categories");
        series.add(new Series(name, values.clone()));
        return this;
    }

    /** Fixes the end of the value axis (100 for percentages) instead of fitting it to the data. */
    BarChart max(double max) {
        this.max = max;
        return this;
    }

    BarChart width(int width) {
        this.width = width;
        return this;
    }

    /** How the value at the end of each bar reads (default: 4 significant digits). */
    BarChart valueLabel(java.util.function.DoubleFunction<String> f) {
        this.valueLabel = f;
        return this;
    }

    String html() {
        double top = 0;
        for (Series s : series) for (double v : s.values()) if (Double.isFinite(v)) top = Math.max(top, v);
        if (categories.isEmpty() || series.isEmpty()) return "<p class='empty'>" + Svg.esc(title) + ": no data to plot.</p>";
        Axis axis = Axis.linear(0, Double.isNaN(max) ? Math.max(top, 1e-12) : max, false);
        double labelW = 0;
        for (String c : categories) labelW = Math.max(labelW, Svg.textWidth(c, 11));
        double left = Math.min(260, Math.max(60, labelW + 14)), right = width - RIGHT;
        int rowH = series.size() * BAR + ROW_GAP, plotTop = title == null ? 12 : 30;
        double plotBottom = plotTop + categories.size() * rowH + ROW_GAP / 2.0;
        Legend legend = new Legend();
        for (int k = 0; k < series.size(); k++) legend.add(series.get(k).name(), Svg.color(k), "box");
        int legendRows = series.size() > 1 ? legend.rows(left, right) : 0;
        int height = (int) Math.ceil(plotBottom + PlotArea.BOTTOM + legendRows * Legend.ROW + 6);

        StringBuilder s = new StringBuilder(PlotArea.header(id, title, width, height));
        StringBuilder grid = new StringBuilder("<g class='grid' stroke='#e6e6e6'>");
        StringBuilder ax = new StringBuilder("<g class='axis' data-axis='x' font-size='11' text-anchor='middle'>");
        for (double v : axis.ticks()) {
            String x = Svg.n(left + axis.fraction(v) * (right - left));
            grid.append("<line x1='").append(x).append("' y1='").append(plotTop).append("' x2='").append(x).append("' y2='").append(Svg.n(plotBottom)).append("'/>");
            ax.append("<line x1='").append(x).append("' y1='").append(Svg.n(plotBottom)).append("' x2='").append(x).append("' y2='").append(Svg.n(plotBottom + 4))
                    .append("' stroke='#555'/><text class='tick' x='").append(x).append("' y='").append(Svg.n(plotBottom + 16)).append("'>")
                    .append(Svg.esc(axis.label(v))).append("</text>");
        }
        ax.append("<text class='title' x='").append(Svg.n((left + right) / 2)).append("' y='").append(Svg.n(plotBottom + 36)).append("' font-size='12'>")
                .append(Svg.esc(valueTitle)).append("</text></g>");
        StringBuilder ay = new StringBuilder("<g class='axis' data-axis='y' font-size='11' text-anchor='end'>");
        ay.append("<line x1='").append(Svg.n(left)).append("' y1='").append(plotTop).append("' x2='").append(Svg.n(left)).append("' y2='").append(Svg.n(plotBottom))
                .append("' stroke='#555'/>");
        for (int i = 0; i < categories.size(); i++) {
            double mid = plotTop + ROW_GAP / 2.0 + i * rowH + series.size() * BAR / 2.0;
            ay.append("<text class='tick' x='").append(Svg.n(left - 6)).append("' y='").append(Svg.n(mid + 4)).append("'>").append(Svg.esc(categories.get(i)))
                    .append("</text>");
        }
        ay.append("</g>");
        s.append(grid.append("</g>")).append(ax).append(ay);
        for (int k = 0; k < series.size(); k++) {
            Series ser = series.get(k);
            s.append("<g class='series' data-name='").append(Svg.esc(ser.name())).append("' font-size='10'>");
            for (int i = 0; i < categories.size(); i++) {
                double v = ser.values()[i];
                if (!Double.isFinite(v)) continue;
                double y = plotTop + ROW_GAP / 2.0 + i * rowH + k * BAR, len = Math.max(0, Math.min(1, axis.fraction(v))) * (right - left);
                s.append("<rect x='").append(Svg.n(left)).append("' y='").append(Svg.n(y + 1)).append("' width='").append(Svg.n(Math.max(len, 0.5)))
                        .append("' height='").append(BAR - 2).append("' fill='").append(Svg.color(k)).append("'><title>")
                        .append(Svg.esc(categories.get(i) + ", " + ser.name() + ": " + valueLabel.apply(v))).append("</title></rect>");
                s.append("<text x='").append(Svg.n(left + len + 4)).append("' y='").append(Svg.n(y + BAR - 3)).append("'>").append(Svg.esc(valueLabel.apply(v)))
                        .append("</text>");
            }
            s.append("</g>");
        }
        if (legendRows > 0) s.append(legend.svg(left, right, plotBottom + PlotArea.BOTTOM + 8));
        return s.append("</svg>").toString();
    }
}
