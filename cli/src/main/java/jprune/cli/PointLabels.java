package jprune.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Text labels beside chart points that never overlap each other or leave the plot: each label tries
 * a few places around its point and is dropped when none is free. A dropped label's point keeps its
 * hover title, so a crowded chart stays readable instead of turning into a smear of text.
 */
final class PointLabels {
    private static final int SIZE = 10;
    private final double left, top, right, bottom;
    private final List<double[]> boxes = new ArrayList<>();
    private final StringBuilder svg = new StringBuilder("<g class='point-labels' font-size='" + SIZE + "'>");
    private int dropped;

    PointLabels(double left, double top, double right, double bottom) {
        this.left = left;
        this.top = top;
        this.right = right;
        this.bottom = bottom;
    }

    /** Places text near (x, y) if there is room; returns whether it was placed. */
    boolean add(String text, double x, double y, String color) {
        double w = Svg.textWidth(text, SIZE), h = SIZE + 2;
        // right, left, above, below, then diagonally: the order a reader scans for a point's name
        double[][] corners = {{x + 6, y - h / 2}, {x - 6 - w, y - h / 2}, {x - w / 2, y - h - 8}, {x - w / 2, y + 8}, {x + 6, y - h - 8}, {x + 6, y + 8},
            {x - 6 - w, y - h - 8}, {x - 6 - w, y + 8}};
        double[] at = place(w, h, corners);
        if (at == null) {
            dropped++;
            return false;
        }
        svg.append("<text x='").append(Svg.n(at[0])).append("' y='").append(Svg.n(at[1] + h - 3)).append("' fill='").append(color).append("'>")
                .append(Svg.esc(text)).append("</text>");
        return true;
    }

    /**
     * Claims the first free w × h box among the candidate top-left corners, in order; null if none is
     * free inside the plot. Callers that must show their text (a reference line's label) fall back
     * to their first choice.
     */
    double[] place(double w, double h, double[][] corners) {
        for (double[] c : corners) {
            double bx = c[0], by = c[1];
            if (bx < left + 1 || by < top + 1 || bx + w > right - 1 || by + h > bottom - 1) continue;
            if (overlaps(bx, by, w, h)) continue;
            boxes.add(new double[] {bx, by, w, h});
            return new double[] {bx, by};
        }
        return null;
    }

    /** Keeps labels off a drawn line segment (sampled every few pixels). */
    void reserveLine(double x0, double y0, double x1, double y1) {
        int steps = (int) Math.min(1000, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / 4));
        for (int i = 0; i <= steps; i++) {
            double t = steps == 0 ? 0 : (double) i / steps;
            reserve(x0 + t * (x1 - x0) - 1.5, y0 + t * (y1 - y0) - 1.5, 3, 3);
        }
    }

    /** Reserves a region (a legend, a reference line's label) that labels must keep clear of. */
    void reserve(double x, double y, double w, double h) {
        boxes.add(new double[] {x, y, w, h});
    }

    int dropped() {
        return dropped;
    }

    private boolean overlaps(double x, double y, double w, double h) {
        for (double[] b : boxes) if (x < b[0] + b[2] && b[0] < x + w && y < b[1] + b[3] && b[1] < y + h) return true;
        return false;
    }

    String svg() {
        return svg + "</g>";
    }
}
