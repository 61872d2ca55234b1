package jprune.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Lines on shared axes with a legend (accuracy against sparsity, one line per criterion; speedup
 * against density, one line per format), optional horizontal reference lines (the dense model's
 * accuracy, the 1× of "as fast as dense"), linear or log axes. Points that cannot be drawn (NaN, or
 * not positive on a log axis) are left out rather than breaking the chart.
 */
final class LineChart {
    /** One line; labels, when given, are written beside each point. */
    private record Series(String name, double[] x, double[] y, boolean dashed, String[] labels) {}

    /** A horizontal reference line at y, labelled at its right end. */
    private record Rule(double y, String label) {}

    private final String id, title, xTitle, yTitle;
    private final List<Series> series = new ArrayList<>();
    private final List<Rule> rules = new ArrayList<>();
    private final List<Double> yIncludes = new ArrayList<>();
    private boolean logX, logY, integerX, reverseX;
    private int width = 640, height = 300;

    LineChart(String id, String title, String xTitle, String yTitle) {
        this.id = id;
        this.title = title;
        this.xTitle = xTitle;
        this.yTitle = yTitle;
    }

    LineChart logX() {
        logX = true;
        return this;
    }

    LineChart logY() {
        logY = true;
        return this;
    }

    /** High x values on the left. */
    LineChart reverseX() {
        reverseX = true;
        return this;
    }

    /** Ticks on whole numbers only (rounds, epochs). */
    LineChart integerX() {
        integerX = true;
        return this;
    }

    /** Width of the whole chart and height of its plot area, in pixels. */
    LineChart size(int width, int plotHeight) {
        this.width = width;
        this.height = plotHeight;
        return this;
    }

    LineChart line(String name, double[] x, double[] y) {
        return add(name, x, y, false, null);
    }

    LineChart dashed(String name, double[] x, double[] y) {
        return add(name, x, y, true, null);
    }

    LineChart labelled(String name, double[] x, double[] y, String[] labels) {
        if (labels.length != x.length) throw new IllegalArgumentException("series '" + name + "': " + labels.length + " labels for " + x.length + " points");
        return add(name, x, y, false, labels);
    }

    private LineChart add(String name, double[] x, double[] y, boolean dashed, String[] labels) {
        if (x.length != y.length) throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values and " + y.length + " y values");
        series.add(new Series(name, x.clone(), y.clone(), dashed, labels));
        return this;
    }

    LineChart rule(double y, String label) {
        if (Double.isFinite(y)) rules.add(new Rule(y, label));
        return this;
    }

    /** Makes the y axis reach v even if no point does (0, or 100% accuracy, say). */
    LineChart includeY(double v) {
        yIncludes.add(v);
        return this;
    }

    private boolean drawable(double x, double y) {
        return Double.isFinite(x) && Double.isFinite(y) && (!logX || x > 0) && (!logY || y > 0);
    }

    /** The chart as an SVG element, or a short note when there is nothing to draw. */
    String html() {
        double xmin = Double.MAX_VALUE, xmax = -Double.MAX_VALUE, ymin = Double.MAX_VALUE, ymax = -Double.MAX_VALUE;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (!drawable(s.x()[i], s.y()[i])) continue;
                xmin = Math.min(xmin, s.x()[i]);
                xmax = Math.max(xmax, s.x()[i]);
                ymin = Math.min(ymin, s.y()[i]);
                ymax = Math.max(ymax, s.y()[i]);
            }
        }
        if (xmin > xmax) return "<p class='empty'>" + Svg.esc(title == null ? id : title) + ": no data to plot.</p>";
        List<Double> extraY = new ArrayList<>(yIncludes);
        for (Rule r : rules) extraY.add(r.y());
        for (double v : extraY) {
            if (logY && !(v > 0)) continue;
            ymin = Math.min(ymin, v);
            ymax = Math.max(ymax, v);
        }
        Axis ax = logX ? Axis.log(xmin, xmax) : Axis.linear(xmin, xmax, integerX);
        Axis ay = logY ? Axis.log(ymin, ymax) : Axis.linear(ymin, ymax, false);
        PlotArea p = new PlotArea(id, title, width, height, ax, xTitle, ay, yTitle);
        if (reverseX) p.flipX();
        StringBuilder s = p.open();
        PointLabels placed = new PointLabels(p.plotLeft(), p.plotTop(), p.plotRight(), p.plotBottom());
        // Pixel positions first: labels (of points and of reference lines) must keep clear of every line and point.
        List<double[][]> pixels = new ArrayList<>();
        for (Series ser : series) {
            List<double[]> pts = new ArrayList<>();
            for (int i = 0; i < ser.x().length; i++)
                if (drawable(ser.x()[i], ser.y()[i])) pts.add(new double[] {p.px(ser.x()[i]), p.py(ser.y()[i]), i});
            double[][] arr = pts.toArray(double[][]::new);
            pixels.add(arr);
            for (int j = 0; j < arr.length; j++) {
                placed.reserve(arr[j][0] - 4, arr[j][1] - 4, 8, 8);
                if (j > 0) placed.reserveLine(arr[j - 1][0], arr[j - 1][1], arr[j][0], arr[j][1]);
            }
        }
        for (Rule r : rules) {
            if (logY && !(r.y() > 0)) continue;
            double y = p.py(r.y()), w = Svg.textWidth(r.label(), 11), h = 13, l = p.plotLeft() + 4, rr = p.plotRight() - 4 - w;
            double[] at = placed.place(w, h, new double[][] {{rr, y - h - 2}, {l, y - h - 2}, {rr, y + 3}, {l, y + 3}, {(l + rr) / 2, y - h - 2}, {(l + rr) / 2, y + 3}});
            if (at == null) at = new double[] {rr, y - h - 2};
            s.append("<g class='rule'><line x1='").append(Svg.n(p.plotLeft())).append("' y1='").append(Svg.n(y)).append("' x2='").append(Svg.n(p.plotRight()))
                    .append("' y2='").append(Svg.n(y)).append("' stroke='#444' stroke-width='1.5' stroke-dasharray='2 3'/><text x='").append(Svg.n(at[0]))
                    .append("' y='").append(Svg.n(at[1] + h - 3)).append("' font-size='11' fill='#444'>").append(Svg.esc(r.label())).append("</text></g>");
        }
        for (int k = 0; k < series.size(); k++) {
            Series ser = series.get(k);
            String color = Svg.color(k);
            double[][] px = pixels.get(k);
            if (px.length == 0) continue;   // nothing measured (agp has no "just after pruning"): no empty series, no legend entry
            boolean markers = px.length <= 60;
            StringBuilder pts = new StringBuilder(), dots = new StringBuilder();
            for (double[] q : px) {
                int i = (int) q[2];
                pts.append(Svg.n(q[0])).append(',').append(Svg.n(q[1])).append(' ');
                if (markers) {
                    dots.append("<circle cx='").append(Svg.n(q[0])).append("' cy='").append(Svg.n(q[1])).append("' r='3' fill='").append(color).append("'><title>")
                            .append(Svg.esc(ser.name() + ": " + Svg.num(ser.x()[i]) + ", " + Svg.num(ser.y()[i]))).append("</title></circle>");
                }
                if (ser.labels() != null && ser.labels()[i] != null) placed.add(ser.labels()[i], q[0], q[1], color);
            }
            s.append("<g class='series' data-name='").append(Svg.esc(ser.name())).append("'>");
            if (px.length > 1) {
                s.append("<polyline fill='none' stroke='").append(color).append("' stroke-width='2'").append(ser.dashed() ? " stroke-dasharray='6 4'" : "")
                        .append(" points='").append(pts.toString().strip()).append("'/>");
            }
            s.append(dots).append("</g>");
            p.legend(ser.name(), color, ser.dashed() ? "dash" : "line");
        }
        s.append(placed.svg());
        return p.close(s);
    }
}
