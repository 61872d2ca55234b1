package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise non-linearities and their derivatives. ReLU and GELU are vectorised (GELU dominates
 * a transformer's elementwise time); tanh and sigmoid are scalar loops over {@link Math}.
 */
public final class Activations {
    private static final VectorSpecies<Float> S = VectorPolicy.FLOATS;
    private static final double INV_SQRT2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    private Activations() {}

    public static void reluForward(float[] x, float[] y, int n) {
        int i = 0;
        for (int bound = VectorPolicy.loopBound(n); i < bound; i += S.length())
            FloatVector.fromArray(S, x, i).max(0f).intoArray(y, i);
        for (; i < n; i++) y[i] = Math.max(x[i], 0f);
    }

    /** dx = dy where x > 0, else 0. */
    public static void reluBackward(float[] x, float[] dy, float[] dx, int n) {
        int i = 0;
        FloatVector zero = FloatVector.zero(S);
        for (int bound = VectorPolicy.loopBound(n); i < bound; i += S.length()) {
            var positive = FloatVector.fromArray(S, x, i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(S, dy, i), positive).intoArray(dx, i);
        }
        for (; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0f;
    }

    public static void reluForwardScalar(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = Math.max(x[i], 0f);
    }

    public static void reluBackwardScalar(float[] x, float[] dy, float[] dx, int n) {
        for (int i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0f;
    }

    /**
     * GELU(x) = x·Φ(x) (PyTorch's default, erf form), vectorised with the Abramowitz–Stegun 7.1.26
     * rational approximation of erf (absolute error below 1.5e-7, under float resolution near 1).
     * The tail computes the same approximation in scalar code, operation for operation, so an
     * element's result does not depend on whether it fell in a vector or in the tail.
     */
    public static void geluForward(float[] x, float[] y, int n) {
        int i = 0;
        for (int bound = VectorPolicy.loopBound(n); i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector half = v.mul(0.5f);
            half.fma(erfApprox(v.mul((float) INV_SQRT2)), half).intoArray(y, i);
        }
        for (; i < n; i++) {
            float half = x[i] * 0.5f;
            y[i] = Math.fma(half, erfApprox(x[i] * (float) INV_SQRT2), half);
        }
    }

    /** d GELU/dx = Φ(x) + x·φ(x). */
    public static void geluBackward(float[] x, float[] dy, float[] dx, int n) {
        int i = 0;
        for (int bound = VectorPolicy.loopBound(n); i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector cdf = erfApprox(v.mul((float) INV_SQRT2)).add(1f).mul(0.5f);
            FloatVector pdf = FloatExp.exp(v.mul(v).mul(-0.5f)).mul((float) INV_SQRT_2PI);
            v.fma(pdf, cdf).mul(FloatVector.fromArray(S, dy, i)).intoArray(dx, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            float cdf = (erfApprox(v * (float) INV_SQRT2) + 1f) * 0.5f;
            float pdf = FloatExp.exp(v * v * -0.5f) * (float) INV_SQRT_2PI;
            dx[i] = Math.fma(v, pdf, cdf) * dy[i];
        }
    }

    /** Scalar reference of {@link #geluForward}, exact erf in double. */
    public static void geluForwardScalar(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = (float) (0.5 * x[i] * (1 + Erf.erf(x[i] * INV_SQRT2)));
    }

    /** Scalar reference of {@link #geluBackward}. */
    public static void geluBackwardScalar(float[] x, float[] dy, float[] dx, int n) {
        for (int i = 0; i < n; i++) dx[i] = (float) (dy[i] * geluDerivative(x[i]));
    }

    private static double geluDerivative(double v) {
        return 0.5 * (1 + Erf.erf(v * INV_SQRT2)) + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI;
    }

    /** erf(z) ≈ sign(z)·(1 − (a1·t + … + a5·t⁵)·e^(−z²)), t = 1/(1 + p·|z|). */
    private static FloatVector erfApprox(FloatVector z) {
        FloatVector a = z.abs();
        FloatVector t = FloatVector.broadcast(S, 1f).div(a.fma(0.3275911f, 1f));
        FloatVector poly = t.fma(1.061405429f, -1.453152027f);
        poly = poly.mul(t).add(1.421413741f);
        poly = poly.mul(t).add(-0.284496736f);
        poly = poly.mul(t).add(0.254829592f);
        poly = poly.mul(t);
        FloatVector e = FloatExp.exp(a.mul(a).neg());
        FloatVector r = poly.mul(e).neg().add(1f);
        return r.blend(r.neg(), z.compare(VectorOperators.LT, 0f));
    }

    /** The scalar twin of {@link #erfApprox(FloatVector)}, operation for operation. */
    private static float erfApprox(float z) {
        float a = Math.abs(z);
        float t = 1f / Math.fma(a, 0.3275911f, 1f);
        float poly = Math.fma(t, 1.061405429f, -1.453152027f);
        poly = poly * t + 1.421413741f;
        poly = poly * t + -0.284496736f;
        poly = poly * t + 0.254829592f;
        poly = poly * t;
        float e = FloatExp.exp(-(a * a));
        float r = -(poly * e) + 1f;
        return z < 0f ? -r : r;
    }

    public static void tanhForward(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = (float) StrictMath.tanh(x[i]);
    }

    /** From the output: dx = dy·(1 − y²). */
    public static void tanhBackward(float[] y, float[] dy, float[] dx, int n) {
        for (int i = 0; i < n; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
    }

    public static void sigmoidForward(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = (float) (1 / (1 + Math.exp(-x[i])));
    }

    /** From the output: dx = dy·y·(1 − y). */
    public static void sigmoidBackward(float[] y, float[] dy, float[] dx, int n) {
        for (int i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
    }
}
