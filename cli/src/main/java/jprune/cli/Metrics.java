package jprune.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * Reading a metrics map (as a command built it, or as parsed back from metrics.json) for a report:
 * a missing or mistyped key gives NaN, an empty list or an empty map, so a report drawn from an older
 * or partial run shows gaps instead of failing. Also the number formats reports share.
 */
final class Metrics {
    private Metrics() {}

    static double num(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof Number x ? x.doubleValue() : Double.NaN;
    }

    /** "1 epoch", "3 epochs": n and the unit, plural unless n is 1. */
    static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }

    /** An accuracy change in points, worded for its sign: "drop 0.19 points", "gain 1.20 points" or "no change". */
    static String drop(double points) {
        String size = String.format(java.util.Locale.ROOT, "%.2f points", Math.abs(points));
        if (size.equals("0.00 points")) return "no change";
        return (points > 0 ? "drop " : "gain ") + size;
    }

    static String str(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v == null ? "" : String.valueOf(v);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof Map<?, ?> x ? (Map<String, Object>) x : Map.of();
    }

    /** The maps of a list-valued key (rounds, layers, points, results); other elements are skipped. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> maps(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        List<Map<String, Object>> out = new ArrayList<>();
        if (v instanceof List<?> l) for (Object o : l) if (o instanceof Map<?, ?> x) out.add((Map<String, Object>) x);
        return out;
    }

    /**
     * The low and high ends of a measurement's spread, when the metrics record one next to the key:
     * {@code key_spread} as [low, high], {low/min/q1, high/max/q3} or a single ± half-width, or
     * {@code key_min} with {@code key_max}, or {@code key_iqr} as [q1, q3]. Null when there is none.
     */
    static double[] spread(Map<String, Object> m, String key) {
        if (m == null) return null;
        for (String suffix : List.of("_spread", "_iqr", "_range")) {
            Object v = m.get(key + suffix);
            double[] r = range(v);
            if (r != null) return r;
            if (v instanceof Number half && Double.isFinite(half.doubleValue())) {
                double mid = num(m, key);
                if (Double.isFinite(mid)) return new double[] {mid - half.doubleValue(), mid + half.doubleValue()};
            }
        }
        double lo = num(m, key + "_min"), hi = num(m, key + "_max");
        return Double.isFinite(lo) && Double.isFinite(hi) ? new double[] {lo, hi} : null;
    }

    @SuppressWarnings("unchecked")
    private static double[] range(Object v) {
        if (v instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Number a && l.get(1) instanceof Number b)
            return new double[] {a.doubleValue(), b.doubleValue()};
        if (v instanceof Map<?, ?> x) {
            Map<String, Object> mm = (Map<String, Object>) x;
            for (String[] k : new String[][] {{"low", "high"}, {"lo", "hi"}, {"min", "max"}, {"q1", "q3"}, {"p25", "p75"}}) {
                double a = num(mm, k[0]), b = num(mm, k[1]);
                if (Double.isFinite(a) && Double.isFinite(b)) return new double[] {a, b};
            }
        }
        return null;
    }

    /** A value with its spread when there is one: "0.042 ms (0.040–0.047)". */
    static String withSpread(Map<String, Object> m, String key, DoubleFunction<String> fmt, String unit) {
        double v = num(m, key);
        if (!Double.isFinite(v)) return "–";
        double[] s = spread(m, key);
        String main = fmt.apply(v) + unit;
        return s == null ? main : main + " (" + fmt.apply(s[0]) + "–" + fmt.apply(s[1]) + ")";
    }

    static String percent(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.2f%%", 100 * fraction) : "–";
    }

    /** Three significant digits, no trailing zeros: 0.02 → "2", 0.125 → "12.5" (as a percentage). */
    static String percentShort(double fraction) {
        if (!Double.isFinite(fraction)) return "–";
        return new java.math.BigDecimal(100 * fraction).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString() + "%";
    }

    static String count(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%,.0f", v) : "–";
    }

    /** Bytes in binary units, three significant digits: "1.02 MiB", "63.2 KiB". */
    static String bytes(double b) {
        if (!(b >= 0)) return "–";
        if (b < 1024) return String.format(Locale.ROOT, "%.0f B", b);
        String[] units = {"KiB", "MiB", "GiB"};
        double v = b / 1024;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    /** A speedup: "2.71×". */
    static String times(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, v >= 10 ? "%.1f×" : "%.2f×", v) : "–";
    }

    /** Milliseconds with three significant digits: "0.0370", "1.25", "312". */
    static String millis(double v) {
        if (!Double.isFinite(v)) return "–";
        if (v >= 100 || v <= 0) return String.format(Locale.ROOT, "%.0f", v);
        int decimals = Math.min(9, 2 - (int) Math.floor(Math.log10(v)));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** A rate: "187k", "8.71k", "950". */
    static String rate(double v) {
        if (!Double.isFinite(v)) return "–";
        if (v >= 1e6) return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        if (v >= 1e5) return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        if (v >= 1e4) return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        if (v >= 1e3) return String.format(Locale.ROOT, "%.2fk", v / 1e3);
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
