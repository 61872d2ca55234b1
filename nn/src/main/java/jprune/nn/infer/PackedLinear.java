package jprune.nn.infer;

import jprune.nn.layers.Linear;
import jprune.tensor.Epilogue;
import jprune.tensor.LinearForward;

/**
 * A linear layer's weight transposed once ({@link LinearForward#packWeights}) with the epilogue it
 * runs: the form a compiled step multiplies rows by, into outputs {@link #width} floats wide.
 */
record PackedLinear(float[] packed, Epilogue epilogue, int in, int out, int width) {
    /** The layer with its bias. */
    static PackedLinear of(Linear l) {
        return of(l.weight().value().data(), l.bias() == null ? null : l.bias().value().data(), l.outFeatures(), l.inFeatures());
    }

    /** weight [out][in] and bias (nullable), both copied. */
    static PackedLinear of(float[] weight, float[] bias, int out, int in) {
        return new PackedLinear(LinearForward.packWeights(weight, out, in), Epilogue.of(out, bias, null, null, false), in, out, LinearForward.paddedWidth(out));
    }

    /** y rows (ldy apart) = the layer on m rows of x (ldx apart). */
    void forward(int m, float[] x, int xOff, int ldx, float[] y, int yOff, int ldy) {
        LinearForward.forward(m, in, width, x, xOff, ldx, packed, epilogue, y, yOff, ldy);
    }

    /** y rows += the layer on m rows of x: a residual stream taking the layer's output. */
    void forwardAdd(int m, float[] x, int xOff, int ldx, float[] y, int yOff, int ldy) {
        LinearForward.forwardAdd(m, in, width, x, xOff, ldx, packed, epilogue, y, yOff, ldy);
    }

    /** Multiply-adds per row. */
    long work() {
        return (long) in * width;
    }
}
