package jprune.cli;

/**
 * The frame every x-y chart draws in: an SVG of a given size, a title, the plot rectangle with light
 * grid lines, both axes with their tick labels and titles, and a legend below. Charts add their marks
 * between {@link #open} and {@link #close}, mapping data to pixels with {@link #px} and {@link #py}.
 *
 * <p>The structure is fixed so a browser test can find each part: the root is {@code svg.chart}, each
 * axis a {@code g.axis} with {@code data-axis} x or y holding {@code text.tick} labels, each data
 * series a {@code g.series}, reference lines {@code g.rule}, the legend {@code g.legend}.
 */
final class PlotArea {
    static final int LEFT = 64, RIGHT = 18, BOTTOM = 42;
    final int width, plotHeight, top;
    final Axis x, y;
    private final String id, title, xTitle, yTitle;
    private final Legend legend = new Legend();
    private boolean flipX;

    PlotArea(String id, String title, int width, int plotHeight, Axis x, String xTitle, Axis y, String yTitle) {
        this.id = id;
        this.title = title;
        this.width = width;
        this.plotHeight = plotHeight;
        this.top = title == null ? 12 : 30;
        this.x = x;
        this.y = y;
        this.xTitle = xTitle;
        this.yTitle = yTitle;
    }

    /** Runs the x axis from high to low (density falling as a lottery ticket is found). */
    PlotArea flipX() {
        flipX = true;
        return this;
    }

    double px(double v) {
        double f = x.fraction(v);
        return LEFT + (flipX ? 1 - f : f) * (width - LEFT - RIGHT);
    }

    double py(double v) {
        return top + (1 - y.fraction(v)) * plotHeight;
    }

    double plotLeft() {
        return LEFT;
    }

    double plotRight() {
        return width - RIGHT;
    }

    double plotTop() {
        return top;
    }

    double plotBottom() {
        return top + plotHeight;
    }

    /** Adds a legend entry; style is line, dash, dot or box. */
    void legend(String name, String color, String style) {
        legend.add(name, color, style);
    }

    /** The SVG up to the plot's marks: frame, grid, axes, titles. */
    StringBuilder open() {
        StringBuilder s = new StringBuilder();
        double l = plotLeft(), r = plotRight(), t = plotTop(), b = plotBottom();
        StringBuilder grid = new StringBuilder("<g class='grid' stroke='#e6e6e6' stroke-width='1'>");
        StringBuilder ax = new StringBuilder("<g class='axis' data-axis='x' font-size='11' text-anchor='middle'>");
        for (double v : x.ticks()) {
            String p = Svg.n(px(v));
            grid.append("<line x1='").append(p).append("' y1='").append(Svg.n(t)).append("' x2='").append(p).append("' y2='").append(Svg.n(b)).append("'/>");
            ax.append("<line x1='").append(p).append("' y1='").append(Svg.n(b)).append("' x2='").append(p).append("' y2='").append(Svg.n(b + 4)).append("' stroke='#555'/>");
            ax.append("<text class='tick' x='").append(p).append("' y='").append(Svg.n(b + 16)).append("'>").append(Svg.esc(x.label(v))).append("</text>");
        }
        ax.append("<text class='title' x='").append(Svg.n((l + r) / 2)).append("' y='").append(Svg.n(b + 36)).append("' font-size='12'>")
                .append(Svg.esc(xTitle)).append("</text></g>");
        StringBuilder ay = new StringBuilder("<g class='axis' data-axis='y' font-size='11' text-anchor='end'>");
        for (double v : y.ticks()) {
            String p = Svg.n(py(v));
            grid.append("<line x1='").append(Svg.n(l)).append("' y1='").append(p).append("' x2='").append(Svg.n(r)).append("' y2='").append(p).append("'/>");
            ay.append("<line x1='").append(Svg.n(l - 4)).append("' y1='").append(p).append("' x2='").append(Svg.n(l)).append("' y2='").append(p).append("' stroke='#555'/>");
            ay.append("<text class='tick' x='").append(Svg.n(l - 7)).append("' y='").append(Svg.n(py(v) + 4)).append("'>").append(Svg.esc(y.label(v))).append("</text>");
        }
        double mid = (t + b) / 2;
        ay.append("<text class='title' x='14' y='").append(Svg.n(mid)).append("' font-size='12' text-anchor='middle' transform='rotate(-90 14 ")
                .append(Svg.n(mid)).append(")'>").append(Svg.esc(yTitle)).append("</text></g>");
        grid.append("</g>");
        s.append(grid).append("<rect class='frame' x='").append(Svg.n(l)).append("' y='").append(Svg.n(t)).append("' width='").append(Svg.n(r - l))
                .append("' height='").append(Svg.n(b - t)).append("' fill='none' stroke='#999'/>").append(ax).append(ay);
        return s;
    }

    /**
     * Wraps the marks into the finished SVG: the root element (sized now that the legend's rows are
     * known), its title, and the legend below the plot.
     */
    String close(StringBuilder body) {
        int rows = legend.rows(LEFT, width - RIGHT);
        double legendY = plotBottom() + BOTTOM + 8;
        int height = (int) Math.ceil(plotBottom() + BOTTOM + rows * Legend.ROW + (rows > 0 ? 6 : 0));
        return header(id, title, width, height) + body + legend.svg(LEFT, width - RIGHT, legendY) + "</svg>";
    }

    /** The opening of a chart's SVG element, shared by the charts that do not use a plot area. */
    static String header(String id, String title, int width, int height) {
        StringBuilder s = new StringBuilder("<svg class='chart' data-chart='").append(Svg.esc(id)).append("' xmlns='http://www.w3.org/2000/svg' width='")
                .append(width).append("' height='").append(height).append("' viewBox='0 0 ").append(width).append(' ').append(height)
                .append("' font-family='sans-serif' role='img'>");
        if (title != null) {
            s.append("<title>").append(Svg.esc(title)).append("</title><text class='chart-title' x='").append(LEFT).append("' y='18' font-size='13' font-weight='bold'>")
                    .append(Svg.esc(title)).append("</text>");
        }
        return s.toString();
    }
}
