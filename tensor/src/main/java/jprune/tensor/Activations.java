package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise non-linearities and their derivatives. ReLU is vectorised; the transcendental ones
 * are scalar loops over {@link Math} (accurate, and on this JDK as fast as the Vector API's
 * software transcendentals for the sizes we see).
 */
public final class Activations {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final double INV_SQRT2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    private Activations() {}

    public static void reluForward(float[] x, float[] y, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length())
            FloatVector.fromArray(S, x, i).max(0f).intoArray(y, i);
        for (; i < n; i++) y[i] = Math.max(x[i], 0f);
    }

    /** dx = dy where x > 0, else 0. */
    public static void reluBackward(float[] x, float[] dy, float[] dx, int n) {
        int i = 0;
        FloatVector zero = FloatVector.zero(S);
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
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

    /** GELU(x) = x·Φ(x), exact erf form (PyTorch's default). */
    public static void geluForward(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            double v = x[i];
            y[i] = (float) (0.5 * v * (1 + Erf.erf(v * INV_SQRT2)));
        }
    }

    /** d GELU/dx = Φ(x) + x·φ(x). */
    public static void geluBackward(float[] x, float[] dy, float[] dx, int n) {
        for (int i = 0; i < n; i++) {
            double v = x[i];
            double cdf = 0.5 * (1 + Erf.erf(v * INV_SQRT2));
            double pdf = Math.exp(-0.5 * v * v) * INV_SQRT_2PI;
            dx[i] = (float) (dy[i] * (cdf + v * pdf));
        }
    }

    public static void tanhForward(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = (float) Math.tanh(x[i]);
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
