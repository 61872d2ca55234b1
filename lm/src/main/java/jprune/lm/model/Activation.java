package jprune.lm.model;

import jprune.tensor.FloatExp;

/** The MLP nonlinearities of the supported families, in place. */
final class Activation {
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private Activation() {}

    /** GPT-2's activation_function: gelu_new / gelu_pytorch_tanh (tanh form), gelu (erf form) or relu. */
    static void gpt2(String kind, float[] x) {
        switch (kind) {
            case "gelu_new", "gelu_pytorch_tanh" -> {
                for (int i = 0; i < x.length; i++) {
                    float v = x[i];
                    float z = SQRT_2_OVER_PI * (v + 0.044715f * v * v * v);
                    x[i] = 0.5f * v * (1 + tanh(z));
                }
            }
            case "gelu" -> {
                for (int i = 0; i < x.length; i++) x[i] = (float) (0.5 * x[i] * (1 + jprune.tensor.Erf.erf(x[i] / Math.sqrt(2))));
            }
            case "relu" -> {
                for (int i = 0; i < x.length; i++) x[i] = Math.max(0, x[i]);
            }
            default -> throw new IllegalArgumentException("unsupported activation " + kind);
        }
    }

    /** gate ← silu(gate) · up. */
    static void swiglu(float[] gate, float[] up) {
        for (int i = 0; i < gate.length; i++) {
            float g = gate[i];
            gate[i] = g / (1 + FloatExp.exp(-g)) * up[i];
        }
    }

    /** tanh from exp, accurate to a few ulp: 1 − 2/(e^{2z} + 1), odd-symmetric. */
    static float tanh(float z) {
        float a = Math.abs(z);
        float t = a > 9 ? 1f : 1 - 2 / (FloatExp.exp(2 * a) + 1);
        return Math.copySign(t, z);
    }
}
