package jprune.lm.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import jprune.tensor.FloatExp;
import jprune.tensor.VectorPolicy;

/**
 * The elementwise and row kernels of the training ops, in vector lanes with a scalar tail that
 * computes each element the same way ({@link FloatExp} in both), so results do not depend on where
 * a chunk boundary falls. Sums accumulate per lane and add the lanes in {@link VectorPolicy#laneSum}'s
 * fixed order.
 */
final class LmKernels {
    private static final VectorSpecies<Float> F = VectorPolicy.FLOATS;
    private static final int L = VectorPolicy.LANES;
    private static final float C = GeluTanh.C, A = GeluTanh.A;

    private LmKernels() {}

    static float max(float[] x, int off, int n) {
        int bound = VectorPolicy.loopBound(n), i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (bound > 0) {
            FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += L) acc = acc.max(FloatVector.fromArray(F, x, off + i));
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    /** Σ e^(x − shift) over x[off, off + n). */
    static float sumExp(float[] x, int off, int n, float shift) {
        int bound = VectorPolicy.loopBound(n), i = 0;
        float s = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(F);
            for (; i < bound; i += L) acc = acc.add(FloatExp.exp(FloatVector.fromArray(F, x, off + i).sub(shift)));
            float[] lanes = new float[L];
            acc.intoArray(lanes, 0);
            s = VectorPolicy.laneSum(lanes);
        }
        for (; i < n; i++) s += FloatExp.exp(x[off + i] - shift);
        return s;
    }

    /** dst[dOff + i] += e^(x[off + i] − shift) · scale. */
    static void addScaledExp(float[] x, int off, int n, float shift, float scale, float[] dst, int dOff) {
        int bound = VectorPolicy.loopBound(n), i = 0;
        for (; i < bound; i += L) {
            FloatVector e = FloatExp.exp(FloatVector.fromArray(F, x, off + i).sub(shift));
            e.fma(FloatVector.broadcast(F, scale), FloatVector.fromArray(F, dst, dOff + i)).intoArray(dst, dOff + i);
        }
        for (; i < n; i++) dst[dOff + i] = Math.fma(FloatExp.exp(x[off + i] - shift), scale, dst[dOff + i]);
    }

    /** y = x·σ(2u), u = √(2/π)(x + 0.044715x³), over [from, to). */
    static void geluTanh(float[] x, float[] y, int from, int to) {
        int i = from, bound = from + VectorPolicy.loopBound(to - from);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector z = v.mul(v).mul(v).fma(FloatVector.broadcast(F, A), v).mul(-2 * C);
            v.div(FloatExp.exp(z).add(1f)).intoArray(y, i);
        }
        for (; i < to; i++) {
            float v = x[i];
            y[i] = v / (FloatExp.exp(Math.fma(v * v * v, A, v) * (-2 * C)) + 1f);
        }
    }

    /** dx += dy · gelu'(x) over [from, to). */
    static void geluTanhBackward(float[] x, float[] dy, float[] dx, int from, int to) {
        int i = from, bound = from + VectorPolicy.loopBound(to - from);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, i), v2 = v.mul(v);
            FloatVector s = FloatVector.broadcast(F, 1f).div(FloatExp.exp(v2.mul(v).fma(FloatVector.broadcast(F, A), v).mul(-2 * C)).add(1f));
            FloatVector th = s.mul(2f).sub(1f);
            FloatVector inner = v2.fma(3 * A, 1f).mul(C);
            FloatVector d = th.fma(th.neg(), FloatVector.broadcast(F, 1f)).mul(inner).mul(v).mul(0.5f).add(s);
            d.fma(FloatVector.fromArray(F, dy, i), FloatVector.fromArray(F, dx, i)).intoArray(dx, i);
        }
        for (; i < to; i++) {
            float v = x[i], v2 = v * v;
            float s = 1f / (FloatExp.exp(Math.fma(v2 * v, A, v) * (-2 * C)) + 1f);
            float th = s * 2f - 1f;
            float d = Math.fma(th, -th, 1f) * (Math.fma(v2, 3 * A, 1f) * C) * v * 0.5f + s;
            dx[i] = Math.fma(d, dy[i], dx[i]);
        }
    }

    /** y = silu(g)·u over [from, to). */
    static void swiglu(float[] g, float[] u, float[] y, int from, int to) {
        int i = from, bound = from + VectorPolicy.loopBound(to - from);
        for (; i < bound; i += L) {
            FloatVector z = FloatVector.fromArray(F, g, i);
            z.div(FloatExp.exp(z.neg()).add(1f)).mul(FloatVector.fromArray(F, u, i)).intoArray(y, i);
        }
        for (; i < to; i++) y[i] = g[i] / (FloatExp.exp(-g[i]) + 1f) * u[i];
    }

    /** dg += dy·u·σ(g)(1 + g(1 − σ(g))), du += dy·silu(g) over [from, to); either may be null. */
    static void swigluBackward(float[] g, float[] u, float[] dy, float[] dg, float[] du, int from, int to) {
        int i = from, bound = from + VectorPolicy.loopBound(to - from);
        for (; i < bound; i += L) {
            FloatVector z = FloatVector.fromArray(F, g, i), d = FloatVector.fromArray(F, dy, i);
            FloatVector s = FloatVector.broadcast(F, 1f).div(FloatExp.exp(z.neg()).add(1f));
            if (dg != null) {
                FloatVector k = z.mul(s.neg().add(1f)).add(1f).mul(s).mul(FloatVector.fromArray(F, u, i));
                k.fma(d, FloatVector.fromArray(F, dg, i)).intoArray(dg, i);
            }
            if (du != null) z.mul(s).fma(d, FloatVector.fromArray(F, du, i)).intoArray(du, i);
        }
        for (; i < to; i++) {
            float z = g[i], s = 1f / (FloatExp.exp(-z) + 1f);
            if (dg != null) dg[i] = Math.fma((z * (-s + 1f) + 1f) * s * u[i], dy[i], dg[i]);
            if (du != null) du[i] = Math.fma(z * s, dy[i], du[i]);
        }
    }
}
