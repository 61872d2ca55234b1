package jprune.deploy.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import jprune.deploy.quant.Int8Quantizer;
import jprune.tensor.Rng;
import org.junit.jupiter.api.Test;

class Int8RowsTest {
    @Test
    void largestMagnitudeMapsToPlusOrMinus127AndZerosStayZero() {
        float[] d = {0, -2.54f, 1.27f, 0, 0, 0};
        DenseMatrix m = DenseMatrix.int8(d, 2, 3);
        assertArrayEquals(new byte[] {0, -127, 64, 0, 0, 0}, m.quantized());
        assertArrayEquals(new float[] {0.02f, 0f}, m.scales());
    }

    @Test
    void extremeWeightsKeepAFiniteScale() {
        float[] d = {-Float.MAX_VALUE, 1};
        DenseMatrix m = DenseMatrix.int8(d, 1, 2);
        assertEquals(-127, m.quantized()[0]);
        assertTrue(Float.isFinite(m.toDense()[0]));
    }

    @Test
    void subnormalRowsStayWithinHalfAStep() {
        // max/127 rounds down to 26 subnormal steps here, and 127 of those fall 62 steps short of the max.
        float w = 4.689E-42f;
        float s = Int8Rows.scales(new float[] {w}, 1, 1)[0];
        float back = Int8Rows.dequantize(Int8Rows.quantize(w, s), s);
        assertTrue(Math.abs(back - (double) w) <= 0.5 * s, "w=" + w + " s=" + s + " back=" + back);
    }

    @Test
    void everyInt8PathGivesTheCodecsCodes() {
        // w / s is 99.4999981 in double and 99.5 in float: rounding the float quotient gave 100 here.
        float max = Float.intBitsToFloat(1059707420), w = Float.intBitsToFloat(1057297073); // 0.66348433, 0.51981646
        float[] d = {max, w, 0, -w};
        byte[] codec = Int8Quantizer.quantize(d, 1, 4).values();
        assertArrayEquals(new byte[] {127, 99, 0, -99}, codec);
        assertArrayEquals(codec, DenseMatrix.int8(d, 1, 4).quantized());
        assertArrayEquals(new byte[] {127, 99, -99}, CsrMatrix.int8(d, 1, 4).quantized());
    }

    @Test
    void halvesRoundToEven() {
        assertEquals(2, Int8Rows.quantize(2.5f, 1f));
        assertEquals(-2, Int8Rows.quantize(-2.5f, 1f));
        assertEquals(4, Int8Rows.quantize(3.5f, 1f));
    }

    @Property(tries = 300)
    void everyWeightIsWithinHalfAStepOfItsDequantizedValue(@ForAll @IntRange(min = 1, max = 50) int length,
                                                            @ForAll @IntRange(min = -38, max = 38) int exponent,
                                                            @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] row = new float[length];
        for (int i = 0; i < length; i++) {
            row[i] = rng.nextInt(4) == 0 ? 0f : (float) ((2 * rng.nextDouble() - 1) * Math.pow(10, exponent - rng.nextInt(3)));
        }
        if (rng.nextInt(8) == 0) row[rng.nextInt(length)] = rng.nextInt(2) == 0 ? Float.MAX_VALUE : -Float.MAX_VALUE;
        float[] s = Int8Rows.scales(row, 1, row.length);
        for (float w : row) {
            byte q = Int8Rows.quantize(w, s[0]);
            assertTrue(q >= -127 && q <= 127);
            if (w == 0) assertEquals(0, q);
            float back = Int8Rows.dequantize(q, s[0]);
            assertTrue(Float.isFinite(back), "w=" + w + " dequantizes to " + back);
            double err = Math.abs(back - (double) w);
            assertTrue(err <= 0.5 * s[0] * (1 + 1e-5) + Math.ulp(w), "w=" + w + " q=" + q + " s=" + s[0]);
        }
    }

    @Property(tries = 100)
    void quantizationIsSymmetric(@ForAll @FloatRange(min = -100, max = 100) float w, @ForAll @FloatRange(min = 0.01f, max = 10) float s) {
        assertEquals(-Int8Rows.quantize(w, s), Int8Rows.quantize(-w, s));
    }
}
