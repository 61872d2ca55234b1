package jprune.cli;

import java.util.ArrayList;
import java.util.List;

/** A chart's legend: a swatch and a name per entry, laid out in rows below the plot. */
final class Legend {
    static final int ROW = 18;
    private record Entry(String name, String color, String style) {}

    private final List<Entry> entries = new ArrayList<>();

    /** Adds an entry; style is line, dash, dot or box. */
    void add(String name, String color, String style) {
        entries.add(new Entry(name, color, style));
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Rows needed between x = left and x = right. */
    int rows(double left, double right) {
        return layout(left, right, 0, null);
    }

    /** The legend's SVG, its first row centred on y. */
    String svg(double left, double right, double y) {
        StringBuilder s = new StringBuilder("<g class='legend' font-size='12'>");
        layout(left, right, y, s);
        return s.append("</g>").toString();
    }

    private int layout(double left, double right, double y, StringBuilder out) {
        if (entries.isEmpty()) return 0;
        double x = left;
        int rows = 1;
        for (Entry e : entries) {
            double w = 28 + Svg.textWidth(e.name(), Svg.FONT) + 18;
            if (x + w > right && x > left) {
                x = left;
                y += ROW;
                rows++;
            }
            if (out != null) {
                out.append("<g class='entry'>").append(swatch(e.style(), e.color(), x, y)).append("<text x='").append(Svg.n(x + 26)).append("' y='")
                        .append(Svg.n(y + 4)).append("'>").append(Svg.esc(e.name())).append("</text></g>");
            }
            x += w;
        }
        return rows;
    }

    private static String swatch(String style, String color, double x, double y) {
        return switch (style) {
            case "box" -> "<rect x='" + Svg.n(x) + "' y='" + Svg.n(y - 5) + "' width='20' height='10' fill='" + color + "' fill-opacity='0.7'/>";
            case "dot" -> "<circle cx='" + Svg.n(x + 10) + "' cy='" + Svg.n(y) + "' r='4' fill='" + color + "'/>";
            case "dash" -> "<line x1='" + Svg.n(x) + "' y1='" + Svg.n(y) + "' x2='" + Svg.n(x + 20) + "' y2='" + Svg.n(y) + "' stroke='" + color
                    + "' stroke-width='2' stroke-dasharray='5 3'/>";
            default -> "<line x1='" + Svg.n(x) + "' y1='" + Svg.n(y) + "' x2='" + Svg.n(x + 20) + "' y2='" + Svg.n(y) + "' stroke='" + color
                    + "' stroke-width='2'/><circle cx='" + Svg.n(x + 10) + "' cy='" + Svg.n(y) + "' r='3' fill='" + color + "'/>";
        };
    }
}
