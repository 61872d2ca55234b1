package jprune.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A roofline: achieved GFLOPS against arithmetic intensity (flops per byte moved), both on log axes
 * labelled in real units, under the machine's ceiling min(peak, intensity × bandwidth) when the
 * limits were measured. Points are coloured by group (the format) and labelled where labels fit.
 */
final class Roofline {
    /** One measured kernel. */
    record Point(String group, String label, String detail, double intensity, double gflops) {}

    private final String id, title;
    private final double peakGflops, bandwidthGBs;
    private final List<Point> points = new ArrayList<>();
    private int width = 640, height = 360;

    /** peakGflops and bandwidthGBs may be NaN when the limits were not measured: no ceiling then. */
    Roofline(String id, String title, double peakGflops, double bandwidthGBs) {
        this.id = id;
        this.title = title;
        this.peakGflops = peakGflops;
        this.bandwidthGBs = bandwidthGBs;
    }

    Roofline add(Point p) {
        points.add(p);
        return this;
    }

    Roofline size(int width, int plotHeight) {
        this.width = width;
        this.height = plotHeight;
        return this;
    }

    private boolean hasCeiling() {
        return peakGflops > 0 && bandwidthGBs > 0;
    }

    String html() {
        double xlo = Double.MAX_VALUE, xhi = 0, ylo = Double.MAX_VALUE, yhi = 0;
        for (Point p : points) {
            if (!(p.intensity() > 0 && p.gflops() > 0)) continue;
            xlo = Math.min(xlo, p.intensity());
            xhi = Math.max(xhi, p.intensity());
            ylo = Math.min(ylo, p.gflops());
            yhi = Math.max(yhi, p.gflops());
        }
        if (xhi == 0) return "<p class='empty'>" + Svg.esc(title) + ": no measurements to plot.</p>";
        if (hasCeiling()) {
            double ridge = peakGflops / bandwidthGBs;   // where memory-bound turns compute-bound
            xlo = Math.min(xlo, ridge / 2);
            xhi = Math.max(xhi, ridge * 2);
            yhi = Math.max(yhi, peakGflops * 1.3);
        }
        Axis ax = Axis.log(xlo, xhi), ay = Axis.log(ylo, yhi);
        PlotArea p = new PlotArea(id, title, width, height, ax, "arithmetic intensity (flop/byte)", ay, "GFLOPS (useful work)");
        StringBuilder s = p.open();
        PointLabels labels = new PointLabels(p.plotLeft(), p.plotTop(), p.plotRight(), p.plotBottom());
        for (Point q : points) if (q.intensity() > 0 && q.gflops() > 0) labels.reserve(p.px(q.intensity()) - 4, p.py(q.gflops()) - 4, 8, 8);
        if (hasCeiling()) {
            // In log space the ceiling is two straight pieces: the bandwidth slope, then the flat peak.
            double x0 = Math.max(ax.lo(), ay.lo() / bandwidthGBs), ridge = peakGflops / bandwidthGBs;
            List<double[]> corners = new ArrayList<>();
            corners.add(new double[] {p.px(x0), p.py(Math.min(peakGflops, x0 * bandwidthGBs))});
            if (ridge > x0 && ridge < ax.hi()) corners.add(new double[] {p.px(ridge), p.py(peakGflops)});
            corners.add(new double[] {p.px(ax.hi()), p.py(Math.min(peakGflops, ax.hi() * bandwidthGBs))});
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < corners.size(); i++) {
                pts.append(Svg.n(corners.get(i)[0])).append(',').append(Svg.n(corners.get(i)[1])).append(' ');
                if (i > 0) labels.reserveLine(corners.get(i - 1)[0], corners.get(i - 1)[1], corners.get(i)[0], corners.get(i)[1]);
            }
            String text = "peak " + Svg.num(peakGflops) + " GFLOPS, " + Svg.num(bandwidthGBs) + " GB/s";
            double w = Svg.textWidth(text, 11), y = p.py(peakGflops), right = p.plotRight() - 4 - w;
            double[] at = labels.place(w, 13, new double[][] {{right, y - 15}, {right, y + 3}});
            if (at == null) at = new double[] {right, y - 15};
            s.append("<g class='rule'><polyline fill='none' stroke='#333' stroke-width='2' points='").append(pts.toString().strip()).append("'/><text x='")
                    .append(Svg.n(at[0])).append("' y='").append(Svg.n(at[1] + 10)).append("' font-size='11'>").append(Svg.esc(text)).append("</text></g>");
        }
        List<String> groups = new ArrayList<>();
        for (Point q : points) if (!groups.contains(q.group())) groups.add(q.group());
        for (int k = 0; k < groups.size(); k++) {
            String color = Svg.color(k);
            s.append("<g class='series' data-name='").append(Svg.esc(groups.get(k))).append("'>");
            for (Point q : points) {
                if (!q.group().equals(groups.get(k)) || !(q.intensity() > 0 && q.gflops() > 0)) continue;
                s.append("<circle cx='").append(Svg.n(p.px(q.intensity()))).append("' cy='").append(Svg.n(p.py(q.gflops()))).append("' r='3.5' fill='")
                        .append(color).append("' fill-opacity='0.8'><title>").append(Svg.esc(q.detail() + ": " + Svg.num(q.gflops()) + " GFLOPS at "
                                + Svg.num(q.intensity()) + " flop/byte")).append("</title></circle>");
            }
            s.append("</g>");
            p.legend(groups.get(k), color, "dot");
        }
        // Labels in the order given (callers put the interesting ones first), each text once.
        java.util.Set<String> said = new java.util.HashSet<>();
        for (Point q : points) {
            if (q.intensity() > 0 && q.gflops() > 0 && q.label() != null && !said.contains(q.label())
                    && labels.add(q.label(), p.px(q.intensity()), p.py(q.gflops()), Svg.color(groups.indexOf(q.group())))) said.add(q.label());
        }
        s.append(labels.svg());
        return p.close(s);
    }
}
