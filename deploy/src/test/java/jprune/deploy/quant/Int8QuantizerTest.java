package jprune.deploy.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class Int8QuantizerTest {
    /** A weight with pruned zeros, an all-zero row now and then, and magnitudes over many decades. */
    static float[] prunedWeight(Random rnd, int rows, int cols) {
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            if (rnd.nextInt(8) == 0) continue;
            float rowScale = (float) Math.pow(10, rnd.nextInt(9) - 6);
            for (int c = 0; c < cols; c++) if (rnd.nextDouble() < 0.6) w[r * cols + c] = (float) (rnd.nextGaussian() * rowScale);
        }
        return w;
    }

    @Property(tries = 200)
    void roundTripErrorIsAtMostHalfAScaleAndZerosStayZero(@ForAll long seed, @ForAll @IntRange(min = 0, max = 30) int rows,
                                                          @ForAll @IntRange(min = 0, max = 50) int cols) {
        float[] w = prunedWeight(new Random(seed), rows, cols);
        Int8Quantizer.Quantized q = Int8Quantizer.quantize(w, rows, cols);
        float[] back = q.dequantize();
        for (int r = 0; r < rows; r++) {
            float s = q.scales()[r], max = 0;
            for (int c = 0; c < cols; c++) max = Math.max(max, Math.abs(w[r * cols + c]));
            assertEquals(max / 127f, s, 0f, "row " + r);
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                // Half a step, plus the float rounding of q·scale.
                assertTrue(Math.abs(back[i] - w[i]) <= s / 2 + Math.ulp(w[i]), "entry " + i + ": " + w[i] + " → " + back[i] + " (scale " + s + ")");
                if (w[i] == 0f) {
                    assertEquals(0, q.values()[i]);
                    assertEquals(0, Float.floatToRawIntBits(back[i]), "a zero must come back as +0.0");
                }
                assertTrue(q.values()[i] >= -127);
            }
        }
    }

    @Property(tries = 100)
    void negatingTheWeightNegatesTheCodes(@ForAll long seed) {
        float[] w = prunedWeight(new Random(seed), 7, 13), neg = w.clone();
        for (int i = 0; i < neg.length; i++) neg[i] = -neg[i];
        Int8Quantizer.Quantized a = Int8Quantizer.quantize(w, 7, 13), b = Int8Quantizer.quantize(neg, 7, 13);
        assertArrayEquals(a.scales(), b.scales());
        for (int i = 0; i < w.length; i++) assertEquals(-a.values()[i], b.values()[i]);
    }

    @Test
    void subnormalAndHugeRowsStayWithinHalfAStepAndFinite() {
        float[] w = {4.689E-42f, -1.7E-43f, Float.MAX_VALUE, -1f};
        Int8Quantizer.Quantized q = Int8Quantizer.quantize(w, 2, 2);
        float[] back = q.dequantize();
        for (int i = 0; i < w.length; i++) {
            float s = q.scales()[i / 2];
            assertTrue(Float.isFinite(back[i]), "entry " + i);
            assertTrue(Math.abs(back[i] - (double) w[i]) <= s / 2.0 + Math.ulp(w[i]), "entry " + i + ": " + w[i] + " → " + back[i]);
        }
    }

    @Test
    void eachRowsLargestMagnitudeUsesTheFullRange() {
        float[] w = {0.5f, -1f, 0.25f, 0f, 3f, -1.5f};
        Int8Quantizer.Quantized q = Int8Quantizer.quantize(w, 2, 3);
        assertEquals(-127, q.values()[1]);
        assertEquals(127, q.values()[4]);
        assertEquals(64, q.values()[0]); // 63.5 rounds half to even
        assertEquals(-64, q.values()[5]);
    }

    @Test
    void anAllZeroRowHasScaleZeroAndStaysZero() {
        Int8Quantizer.Quantized q = Int8Quantizer.quantize(new float[] {0, 0, 1, 2}, 2, 2);
        assertEquals(0f, q.scales()[0]);
        assertArrayEquals(new float[] {0, 0}, java.util.Arrays.copyOf(q.dequantize(), 2));
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Int8Quantizer.quantize(new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Int8Quantizer.quantize(new float[] {1, Float.NaN}, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Int8Quantizer.quantize(new float[] {Float.POSITIVE_INFINITY}, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Int8Quantizer.Quantized(1, 1, new byte[] {-128}, new float[] {1}));
        assertThrows(IllegalArgumentException.class, () -> new Int8Quantizer.Quantized(1, 1, new byte[] {1}, new float[] {-1}));
    }
}
