package jprune.deploy.quant;

/**
 * Symmetric per-output-channel int8 quantization of a row-major rows × cols weight: row r gets
 * scale_r = max|w_r| / 127 and q = round(w / scale_r) clamped to [−127, 127]. Symmetric (no zero
 * point) so a zero weight is the integer 0 and dequantizes to exactly 0: pruned weights stay pruned.
 * −128 is left unused so the range is symmetric and negation never overflows. Rounding is half to
 * even ({@link Math#rint}), which, unlike {@link Math#round}, treats w and −w alike.
 *
 * <p>An all-zero row gets scale 0: there is nothing to scale, its codes are all 0, and 0 · 0 = 0
 * keeps the row exactly zero without a special case in kernels. Nonzero weights smaller than
 * scale/2 quantize to 0, as in any int8 scheme; the reverse never happens.
 */
public final class Int8Quantizer {
    public static final int QMAX = 127;

    private Int8Quantizer() {}

    /** An int8 weight: values row-major like the float weight, one scale per row. */
    public record Quantized(int rows, int cols, byte[] values, float[] scales) {
        public Quantized {
            if (rows < 0 || cols < 0) throw new IllegalArgumentException("rows and cols must be >= 0, got " + rows + " × " + cols);
            if (values.length != (long) rows * cols)
                throw new IllegalArgumentException(values.length + " values for a " + rows + " × " + cols + " weight");
            if (scales.length != rows) throw new IllegalArgumentException(scales.length + " scales for " + rows + " rows");
            for (int r = 0; r < rows; r++)
                if (!(scales[r] >= 0) || Float.isInfinite(scales[r]))
                    throw new IllegalArgumentException("scale of row " + r + " must be finite and >= 0, got " + scales[r]);
            for (int i = 0; i < values.length; i++)
                if (values[i] == Byte.MIN_VALUE) throw new IllegalArgumentException("value " + i + " is -128, outside [-127, 127]");
        }

        /** The float weight these codes stand for: q · scale of its row. */
        public float[] dequantize() {
            float[] w = new float[values.length];
            for (int r = 0; r < rows; r++) {
                float s = scales[r];
                for (int c = 0, i = r * cols; c < cols; c++, i++) w[i] = values[i] * s;
            }
            return w;
        }
    }

    /**
     * The scale of a row whose largest magnitude is maxAbs: maxAbs / 127, moved one float step where
     * that quotient's rounding would break the half-a-step promise. Subnormal scales have a fixed
     * spacing, so maxAbs/127 can round down by a large part of itself and leave maxAbs well past
     * 127·scale (one step up fixes it); near Float.MAX_VALUE, 127·scale can round up to infinity (one
     * step down keeps ±127 finite).
     */
    public static float scale(float maxAbs) {
        float s = maxAbs / QMAX;
        if (s < Float.MIN_NORMAL && QMAX * s < maxAbs) return Math.nextUp(s);
        return Float.isInfinite(QMAX * s) ? Math.nextDown(s) : s;
    }

    /**
     * The int8 code of a finite weight w in a row of the given scale: round(w / scale), half to even,
     * clamped to [−127, 127]; 0 for scale 0. The quotient is taken in double, so it is rounded once,
     * to the nearest code: a float quotient is rounded to float first, which moves about 3 weights in
     * a million across a half-way point (0.51981646 / (0.66348433 / 127) = 99.4999981 is 99.5 in
     * float, which rounds to 100). Every int8 path (this codec and the formats' int8 variants) uses it,
     * so one model quantizes to the same codes whichever format it is compressed to.
     */
    public static byte code(float w, float scale) {
        if (scale == 0) return 0;
        return (byte) Math.max(-QMAX, Math.min(QMAX, Math.rint(w / (double) scale)));
    }

    /** Quantizes a row-major rows × cols weight; non-finite weights are rejected. */
    public static Quantized quantize(float[] w, int rows, int cols) {
        if (rows < 0 || cols < 0 || w.length != (long) rows * cols)
            throw new IllegalArgumentException(w.length + " weights do not form a " + rows + " × " + cols + " matrix");
        byte[] q = new byte[w.length];
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            int from = r * cols, to = from + cols;
            float max = 0;
            for (int i = from; i < to; i++) {
                if (!Float.isFinite(w[i])) throw new IllegalArgumentException("weight " + i + " (row " + r + ") is not finite: " + w[i]);
                max = Math.max(max, Math.abs(w[i]));
            }
            float s = scale(max);
            scales[r] = s;
            if (s == 0) continue;
            for (int i = from; i < to; i++) q[i] = code(w[i], s);
        }
        return new Quantized(rows, cols, q, scales);
    }
}
