package jprune.cli;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One axis of a chart: the range it spans, where its ticks go and how they read. Ticks are round
 * numbers a reader can take in at a glance: steps of 1, 2 or 5 times a power of ten on linear axes,
 * and on log axes the powers of ten (with 2 and 5 between them when the range is short), labelled in
 * the data's own units (0.1, 1, 10, not the exponents -1, 0, 1).
 */
final class Axis {
    private static final double[] STEPS_125 = {1, 2, 5};
    private final boolean log;
    private final double lo, hi;
    private final List<Double> ticks;
    private final double step;   // linear axes only: the tick spacing, which decides the decimals shown

    private Axis(boolean log, double lo, double hi, List<Double> ticks, double step) {
        this.log = log;
        this.lo = lo;
        this.hi = hi;
        this.ticks = List.copyOf(ticks);
        this.step = step;
    }

    /**
     * A linear axis covering [min, max], widened to whole tick steps. With {@code integers} the step
     * is at least 1 (rounds, epochs, counts).
     */
    static Axis linear(double min, double max, boolean integers) {
        if (!(Double.isFinite(min) && Double.isFinite(max))) throw new IllegalArgumentException("axis range must be finite, got [" + min + ", " + max + "]");
        if (min > max) throw new IllegalArgumentException("axis range is empty: [" + min + ", " + max + "]");
        if (max - min <= 1e-9 * Math.max(Math.abs(min), Math.abs(max))) {
            // A flat series (or one flat to nine digits) still needs a scale: a unit around it, or a tenth of its size.
            double half = min == 0 ? 1 : Math.abs(min) * 0.1;
            min -= half;
            max += half;
        }
        double step = niceStep((max - min) / 5);
        if (integers) step = Math.max(1, step);
        double lo = Math.floor(min / step + 1e-9) * step, hi = Math.ceil(max / step - 1e-9) * step;
        List<Double> ticks = new ArrayList<>();
        long first = Math.round(lo / step), last = Math.round(hi / step);
        for (long k = first; k <= last; k++) ticks.add(clean(k * step));
        return new Axis(false, lo, hi, ticks, step);
    }

    /** A log10 axis covering [min, max] (both > 0), widened to 1-2-5 values. */
    static Axis log(double min, double max) {
        if (!(min > 0 && max > 0 && Double.isFinite(min) && Double.isFinite(max)))
            throw new IllegalArgumentException("a log axis needs a positive finite range, got [" + min + ", " + max + "]");
        if (min > max) throw new IllegalArgumentException("axis range is empty: [" + min + ", " + max + "]");
        double lo = round125(min, false), hi = round125(max, true);
        if (hi <= lo) hi = round125(lo * 1.5, true);
        boolean manyDecades = Math.log10(hi / lo) > 2.5;
        if (manyDecades) {
            // Over many decades 2 and 5 crowd the labels: start and end on powers of ten instead.
            lo = Math.pow(10, Math.floor(Math.log10(lo) + 1e-9));
            hi = Math.pow(10, Math.ceil(Math.log10(hi) - 1e-9));
        }
        List<Double> ticks = new ArrayList<>();
        for (int d = (int) Math.floor(Math.log10(lo) + 1e-9); d <= (int) Math.ceil(Math.log10(hi) - 1e-9); d++) {
            for (double m : manyDecades ? new double[] {1} : STEPS_125) {
                double v = clean(m * Math.pow(10, d));
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.add(v);
            }
        }
        return new Axis(true, lo, hi, ticks, Double.NaN);
    }

    boolean isLog() {
        return log;
    }

    double lo() {
        return lo;
    }

    double hi() {
        return hi;
    }

    List<Double> ticks() {
        return ticks;
    }

    /** Where v falls along the axis, 0 at the low end and 1 at the high end (outside [0, 1] when out of range). */
    double fraction(double v) {
        if (log) return (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
        return (v - lo) / (hi - lo);
    }

    /** A tick's label: as many decimals as the step needs, thousands as k and millions as M. */
    String label(double v) {
        if (log) return plain(v);
        double top = Math.max(Math.abs(lo), Math.abs(hi));
        if (v == 0 && top >= 1e4) return "0";   // not "0k"
        if (top >= 1e7) return fixed(v / 1e6, step / 1e6) + "M";
        if (top >= 1e4) return fixed(v / 1e3, step / 1e3) + "k";
        return fixed(v, step);
    }

    private static String fixed(double v, double step) {
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        String s = String.format(Locale.ROOT, "%." + decimals + "f", v);
        return s.matches("-0(\\.0*)?") ? s.substring(1) : s;
    }

    private static String plain(double v) {
        if (v >= 1e6) return plain(v / 1e6) + "M";
        if (v >= 1e3) return plain(v / 1e3) + "k";
        return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** 1, 2 or 5 times a power of ten, the nearest to raw on a log scale (so about 4 to 9 ticks for a raw of a fifth of the range). */
    static double niceStep(double raw) {
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double best = mag;
        for (double m : new double[] {1, 2, 5, 10}) if (Math.abs(Math.log(m * mag / raw)) < Math.abs(Math.log(best / raw))) best = m * mag;
        return clean(best);
    }

    /** The nearest 1-2-5 value at or below (up = false) or at or above (up = true) v > 0. */
    private static double round125(double v, boolean up) {
        int d = (int) Math.floor(Math.log10(v));
        double best = up ? Double.MAX_VALUE : 0;
        for (int e = d - 1; e <= d + 1; e++) {
            for (double m : STEPS_125) {
                double c = clean(m * Math.pow(10, e));
                if (up && c >= v * (1 - 1e-9) && c < best) best = c;
                if (!up && c <= v * (1 + 1e-9) && c > best) best = c;
            }
        }
        return best;
    }

    /** Rounds away binary noise (0.30000000000000004) so tick values print as written. */
    private static double clean(double v) {
        return v == 0 ? 0 : new BigDecimal(v).round(new MathContext(12)).doubleValue();
    }
}
