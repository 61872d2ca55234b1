package jprune.cli;

import java.util.Locale;

/** Small pieces shared by the charts: escaping, coordinates, the colour cycle and text widths. */
final class Svg {
    /** Colours that stay apart for the colour-blind (Okabe and Ito's set), then the usual tableau ones. */
    private static final String[] COLORS = {"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#8c564b", "#7f7f7f"};
    static final int FONT = 12;

    private Svg() {}

    static String color(int i) {
        return COLORS[Math.floorMod(i, COLORS.length)];
    }

    /** Text for HTML and SVG alike: the five characters that could end an element or attribute are escaped. */
    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace("\"", "&quot;");
    }

    /** A coordinate: one decimal is finer than a pixel, and never NaN (the browser would reject the attribute). */
    static String n(double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException("not a drawable coordinate: " + v);
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A generous estimate of a text's width in pixels at the given font size, for layout without a browser. */
    static double textWidth(String s, int size) {
        return s.length() * size * 0.6;
    }

    /** A short human reading of a number: 4 significant digits, no exponent, thousands separated. */
    static String num(double v) {
        if (!Double.isFinite(v)) return "n/a";
        double a = Math.abs(v);
        if (a >= 1000) return String.format(Locale.ROOT, "%,.0f", v);
        if (a >= 100) return String.format(Locale.ROOT, "%.1f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.2f", v);
        if (a >= 0.01 || a == 0) return String.format(Locale.ROOT, "%.3f", v).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
        return String.format(Locale.ROOT, "%.2e", v);
    }
}
