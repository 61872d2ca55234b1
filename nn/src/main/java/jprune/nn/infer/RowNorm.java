package jprune.nn.infer;

import jprune.nn.layers.LayerNorm;
import jprune.tensor.LayerNormKernels;

/** A layer norm's parameters, copied at compile time, applied to rows that lie apart in wider buffers. */
record RowNorm(float[] gamma, float[] beta, float eps) {
    /** Whether a compiled step may run norm as a plain layer norm: a mask on its scale removes features. */
    static boolean plain(LayerNorm norm) {
        return !norm.weight().hasMask() && !norm.bias().hasMask();
    }

    static RowNorm of(LayerNorm norm) {
        if (!plain(norm)) throw new IllegalArgumentException("a layer norm with masked features has no plain compiled form");
        return new RowNorm(norm.weight().value().data().clone(), norm.bias().value().data().clone(), norm.eps());
    }

    int width() {
        return gamma.length;
    }

    /** rows rows of x (ldx apart) normalised into y (ldy apart). */
    void apply(float[] x, int xOff, int ldx, float[] y, int yOff, int ldy, int rows) {
        LayerNormKernels.forwardRows(x, xOff, ldx, gamma, beta, y, yOff, ldy, rows, gamma.length, eps);
    }
}
