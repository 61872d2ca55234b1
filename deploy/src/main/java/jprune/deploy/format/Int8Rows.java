package jprune.deploy.format;

import java.util.Objects;
import jprune.deploy.quant.Int8Quantizer;

/**
 * Symmetric per-row int8 quantization, shared by every format's int8 variant: row r has scale
 * s_r = max|w_r| / 127 ({@link Int8Quantizer#scale}, which owns the edge cases) and stores
 * q = round(w / s_r) clamped to [−127, 127] ({@link Int8Quantizer#code}; −128 is never used, so the range is symmetric and
 * negation is exact). Rounding is half-to-even, as torch.round does. An
 * all-zero row has scale 0 and all-zero q; zeros stay exactly zero. A product multiplies the row's
 * integer-weighted sum by s_r once, at the end of the row.
 */
final class Int8Rows {
    private Int8Rows() {}

    /** Per-row scales of a dense row-major matrix; rejects non-finite weights (no finite scale covers them). */
    static float[] scales(float[] dense, int rows, int cols) {
        float[] s = new float[rows];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int c = 0, i = r * cols; c < cols; c++, i++) {
                float a = Math.abs(dense[i]);
                if (!Float.isFinite(a))
                    throw new IllegalArgumentException("int8 quantization needs finite weights: row " + r + ", column " + c + " is " + dense[i]);
                max = Math.max(max, a);
            }
            s[r] = Int8Quantizer.scale(max);
        }
        return s;
    }

    static byte quantize(float w, float scale) {
        return Int8Quantizer.code(w, scale);
    }

    static float dequantize(byte q, float scale) {
        return q * scale;
    }

    /** Scales as read from a file: one per row, finite and non-negative. */
    static void checkScales(float[] scales, int rows) {
        Objects.requireNonNull(scales, "scales");
        FormatChecks.length("scales", scales.length, rows);
        for (int r = 0; r < rows; r++) {
            if (!(scales[r] >= 0) || !Float.isFinite(scales[r]))
                throw new IllegalArgumentException("scale of row " + r + " is " + scales[r] + "; scales must be finite and >= 0");
        }
    }

    /** Quantized weights as read from a file: −128 is outside the symmetric range. */
    static void checkQuantized(byte[] q) {
        Objects.requireNonNull(q, "quantized");
        for (int i = 0; i < q.length; i++) {
            if (q[i] == Byte.MIN_VALUE)
                throw new IllegalArgumentException("quantized weight " + i + " is -128; symmetric int8 uses [-127, 127]");
        }
    }
}
