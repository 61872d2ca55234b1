package jprune.lm.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import jprune.tensor.FloatExp;
import jprune.tensor.Parallel;
import jprune.tensor.VectorPolicy;

/** The MLP nonlinearities of the supported families, in place. */
final class Activation {
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    private static final VectorSpecies<Float> F = VectorPolicy.FLOATS;
    private static final int L = VectorPolicy.LANES;
    /** Fewest elements worth splitting across threads. */
    private static final int PARALLEL_MIN = 1 << 16;

    private Activation() {}

    /** GPT-2's activation_function: gelu_new / gelu_pytorch_tanh (tanh form), gelu (erf form) or relu. */
    static void gpt2(String kind, float[] x) {
        switch (kind) {
            case "gelu_new", "gelu_pytorch_tanh" -> inChunks(x.length, (from, to) -> geluTanh(x, from, to));
            case "gelu" -> {
                for (int i = 0; i < x.length; i++) x[i] = (float) (0.5 * x[i] * (1 + jprune.tensor.Erf.erf(x[i] / Math.sqrt(2))));
            }
            case "relu" -> {
                for (int i = 0; i < x.length; i++) x[i] = Math.max(0, x[i]);
            }
            default -> throw new IllegalArgumentException("unsupported activation " + kind);
        }
    }

    /**
     * The tanh form of GELU, 0.5·x·(1 + tanh(z)) with z = √(2/π)(x + 0.044715x³), computed as the
     * identical x·σ(2z) = x / (1 + e^(−2z)), which needs one exp and no cancellation near zero.
     */
    static void geluTanh(float[] x) {
        geluTanh(x, 0, x.length);
    }

    /** {@link #geluTanh(float[])} of x[from, to), from a multiple of the vector length. */
    private static void geluTanh(float[] x, int from, int to) {
        int bound = from + VectorPolicy.loopBound(to - from);
        int i = from;
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector z = v.mul(v).mul(v).fma(FloatVector.broadcast(F, 0.044715f), v).mul(-2 * SQRT_2_OVER_PI);
            v.div(FloatExp.exp(z).add(1f)).intoArray(x, i);
        }
        for (; i < to; i++) {
            float v = x[i];
            float z = Math.fma(v * v * v, 0.044715f, v) * (-2 * SQRT_2_OVER_PI);
            x[i] = v / (FloatExp.exp(z) + 1f);
        }
    }

    /** A range of elements. */
    private interface Span {
        void run(int from, int to);
    }

    /**
     * body over [0, n) split across threads at multiples of the vector length (so every element takes
     * the vector or the scalar path exactly as in one pass; the results do not depend on the split).
     */
    private static void inChunks(int n, Span body) {
        int vectors = n / L;
        if (n < PARALLEL_MIN || vectors < 2) {
            body.run(0, n);
            return;
        }
        Parallel.forRange(vectors, PARALLEL_MIN / L / 2, (c, from, to) -> body.run(from * L, to == vectors ? n : to * L));
    }

    /** gate ← silu(gate) · up, silu(g) = g / (1 + e^(−g)). */
    static void swiglu(float[] gate, float[] up) {
        inChunks(gate.length, (from, to) -> swiglu(gate, up, from, to));
    }

    private static void swiglu(float[] gate, float[] up, int from, int to) {
        int bound = from + VectorPolicy.loopBound(to - from);
        int i = from;
        for (; i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(FloatExp.exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (FloatExp.exp(-g) + 1f) * up[i];
        }
    }
}
