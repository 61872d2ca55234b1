package jprune.deploy.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jprune.tensor.Rng;
import org.junit.jupiter.api.Test;

/**
 * A product computed a range of rows at a time, split anywhere (also inside the four-row groups
 * the kernels walk in lockstep), is bit-identical to the whole product and writes nothing outside
 * its range.
 */
class RowRangeProductTest {
    @Test
    void rowRangesAddUpToTheWholeProductBitForBit() {
        Rng rng = new Rng(21);
        for (String format : new String[] {"dense", "csr", "bitmask", "sell", "2:4", "4:8", "1:4"}) {
            for (boolean int8 : new boolean[] {false, true}) {
                int rows = 157, cols = 1000;
                WeightMatrix w = WeightFormats.encode(format, Fixtures.forFormat(rng, format, rows, cols, 0.5), rows, cols, int8);
                assertTrue(w instanceof RowRangeProduct, w.format());
                RowRangeProduct r = (RowRangeProduct) w;
                float[] x = new float[cols];
                for (int i = 0; i < cols; i++) x[i] = (float) rng.nextGaussian();
                float[] whole = new float[rows];
                w.multiplyVector(x, whole);
                int[] cuts = {0, 1, 6, 50, 51, 100, 150, 157};
                float[] parts = new float[rows];
                java.util.Arrays.fill(parts, Float.NaN);
                for (int k = 0; k + 1 < cuts.length; k++) {
                    float[] before = parts.clone();
                    r.multiplyVectorRows(x, parts, cuts[k], cuts[k + 1]);
                    for (int i = 0; i < rows; i++)
                        if (i < cuts[k] || i >= cuts[k + 1]) assertEquals(Float.floatToIntBits(before[i]), Float.floatToIntBits(parts[i]), w.format() + " wrote row " + i);
                }
                for (int i = 0; i < rows; i++)
                    assertEquals(Float.floatToIntBits(whole[i]), Float.floatToIntBits(parts[i]), w.format() + " row " + i);
                assertThrows(IllegalArgumentException.class, () -> r.multiplyVectorRows(x, new float[rows], 5, rows + 1));
            }
        }
    }
}
