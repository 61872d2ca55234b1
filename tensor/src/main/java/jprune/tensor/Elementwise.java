package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise kernels over contiguous float arrays, Vector API with a scalar tail. Each has the
 * same loop shape: full vectors up to {@code species.loopBound(n)}, then scalars. These are
 * memory-bound, so they run on one thread unless the array is large.
 */
public final class Elementwise {
    private static final VectorSpecies<Float> S = VectorPolicy.FLOATS;
    /** Below this many elements, splitting across threads costs more than it saves. */
    static final int PARALLEL_MIN = 1 << 16;

    private Elementwise() {}

    /** Binary operations with a vector and a scalar form. */
    public enum Op {
        ADD, SUB, MUL, DIV;

        float apply(float a, float b) {
            return switch (this) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
                case DIV -> a / b;
            };
        }

        FloatVector apply(FloatVector a, FloatVector b) {
            return switch (this) {
                case ADD -> a.add(b);
                case SUB -> a.sub(b);
                case MUL -> a.mul(b);
                case DIV -> a.div(b);
            };
        }
    }

    /** out[i] = a[aOff+i] op b[bOff+i] for i in [0, n). */
    public static void binary(Op op, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        if (n >= PARALLEL_MIN) {
            Parallel.forRange(n, PARALLEL_MIN / 2, (c, from, to) ->
                    binarySerial(op, a, aOff + from, b, bOff + from, out, outOff + from, to - from));
        } else {
            binarySerial(op, a, aOff, b, bOff, out, outOff, n);
        }
    }

    private static void binarySerial(Op op, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        int i = 0;
        for (int bound = VectorPolicy.loopBound(n); i < bound; i += S.length()) {
            op.apply(FloatVector.fromArray(S, a, aOff + i), FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) out[outOff + i] = op.apply(a[aOff + i], b[bOff + i]);
    }

    /** out[i] = a[aOff+i] op s. */
    public static void binaryScalar(Op op, float[] a, int aOff, float s, float[] out, int outOff, int n) {
        FloatVector sv = FloatVector.broadcast(S, s);
        int i = 0;
        for (int bound = VectorPolicy.loopBound(n); i < bound; i += S.length()) {
            op.apply(FloatVector.fromArray(S, a, aOff + i), sv).intoArray(out, outOff + i);
        }
        for (; i < n; i++) out[outOff + i] = op.apply(a[aOff + i], s);
    }

    /** y[yOff+i] += alpha * x[xOff+i], one fused multiply-add per element (the tail's too). */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector av = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (int bound = VectorPolicy.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xOff + i).fma(av, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(x[xOff + i], alpha, y[yOff + i]);
    }

    /** Scalar reference of {@link #axpy}. */
    public static void axpyScalar(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] = Math.fma(x[xOff + i], alpha, y[yOff + i]);
    }

    /** y[i] *= alpha. */
    public static void scale(float[] y, int off, int n, float alpha) {
        binaryScalar(Op.MUL, y, off, alpha, y, off, n);
    }

    /**
     * Sum of x[off..off+n) in float: one accumulator per lane over the whole vectors, the lanes
     * added in {@link VectorPolicy#laneSum}'s fixed order, then the tail in index order. The order
     * depends only on n and the vector width, so equal inputs give equal sums on every call.
     */
    public static float sum(float[] x, int off, int n) {
        int bound = VectorPolicy.loopBound(n);
        float s = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (int i = 0; i < bound; i += S.length()) acc = acc.add(FloatVector.fromArray(S, x, off + i));
            float[] lanes = new float[S.length()];
            acc.intoArray(lanes, 0);
            s = VectorPolicy.laneSum(lanes);
        }
        for (int i = bound; i < n; i++) s += x[off + i];
        return s;
    }

    /** Scalar reference of {@link #sum}: index order, in double. */
    public static double sumScalar(float[] x, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += x[off + i];
        return s;
    }

    /** Dot product of x and y, accumulated like {@link #sum} (a fused multiply-add per element). */
    public static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = VectorPolicy.loopBound(n);
        float s = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (int i = 0; i < bound; i += S.length()) {
                acc = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), acc);
            }
            float[] lanes = new float[S.length()];
            acc.intoArray(lanes, 0);
            s = VectorPolicy.laneSum(lanes);
        }
        for (int i = bound; i < n; i++) s = Math.fma(x[xOff + i], y[yOff + i], s);
        return s;
    }

    /** Scalar reference of {@link #dot}: index order, in double. */
    public static double dotScalar(float[] x, int xOff, float[] y, int yOff, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) x[xOff + i] * y[yOff + i];
        return s;
    }

    /** Adds row vector v (length cols) to each of the rows of m (rows × cols). */
    public static void addRowVector(float[] m, int rows, int cols, float[] v) {
        for (int r = 0; r < rows; r++) binarySerial(Op.ADD, m, r * cols, v, 0, m, r * cols, cols);
    }

    /** out[c] += Σ_r m[r, c]: column sums of a rows × cols matrix, accumulated into out. */
    public static void addColumnSums(float[] m, int rows, int cols, float[] out) {
        for (int r = 0; r < rows; r++) binarySerial(Op.ADD, out, 0, m, r * cols, out, 0, cols);
    }
}
