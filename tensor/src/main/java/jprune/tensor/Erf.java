package jprune.tensor;

/**
 * The error function in double precision. Uses the series for small |x| and a continued fraction
 * for erfc at larger |x|; absolute error below 1e-14, far beneath float resolution.
 */
public final class Erf {
    private Erf() {}

    public static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 2.5) {
            // Maclaurin series: erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
            double term = a, sum = a, x2 = a * a;
            for (int n = 1; n < 60; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else if (a < 6) {
            r = 1 - erfcContinuedFraction(a);
        } else {
            r = 1;
        }
        return x < 0 ? -r : r;
    }

    /** erfc(a) for a ≥ 2.5 by Lentz's continued fraction. */
    private static double erfcContinuedFraction(double a) {
        // erfc(a) = exp(−a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + 2/(a + …)))))
        double tiny = 1e-300;
        double f = a, c = a, d = 0;
        for (int k = 1; k < 200; k++) {
            double ak = k * 0.5;
            d = a + ak * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = a + ak / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
    }
}
