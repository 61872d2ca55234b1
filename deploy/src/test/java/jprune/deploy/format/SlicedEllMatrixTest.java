package jprune.deploy.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import jprune.tensor.Parallel;
import jprune.tensor.Rng;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sliced-ELL layout (steps per slice and panel, padding) and its matrix-vector kernel against
 * its scalar reference, which follows the same two chains of fused multiply-adds: equal bit for bit.
 */
class SlicedEllMatrixTest {
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    @Test
    void eachSliceAndPanelTakesAsManyStepsAsItsBusiestRow() {
        int lanes = FormatSpecies.L, width = 2 * lanes;
        int rows = lanes + 1, cols = width + 3;   // a second slice of one row, a second panel of three columns
        float[] d = new float[rows * cols];
        d[0] = 1;                       // row 0: one weight in panel 0 ...
        d[2] = 2;
        d[width - 1] = 3;               // ... three in all
        d[cols + 5] = 4;                // row 1: one in panel 0
        d[cols + width + 2] = 5;        // and one in panel 1
        d[lanes * cols + width] = 6;    // the last row (slice 1): one in panel 1
        SlicedEllMatrix m = SlicedEllMatrix.of(d, rows, cols);
        // slice 0: panel 0 takes row 0's 3 steps, panel 1 row 1's 1; slice 1: panel 0 none, panel 1 one
        assertEquals((3 + 1 + 0 + 1) * lanes, m.slots());
        assertEquals(6, m.nonzeros());
        assertEquals(5L * m.slots() + 4L * (2 * 2 + 1) + CsrMatrix.of(d, rows, cols).bytes(), m.bytes());
        assertArrayEquals(d, m.toDense());
        SlicedEllMatrix q = SlicedEllMatrix.int8(d, rows, cols);
        assertEquals(2L * q.slots() + 4L * (2 * 2 + 1) + 4L * rows + CsrMatrix.int8(d, rows, cols).bytes(), q.bytes());
        assertEquals("sell-int8", q.format());
    }

    @Test
    void theVectorProductIsItsScalarReferenceBitForBit() {
        Rng rng = new Rng(8);
        int[][] shapes = {{1, 1}, {17, 33}, {300, 784}, {100, 300}, {61, 1000}};
        for (int[] shape : shapes) {
            for (double density : new double[] {0, 0.02, 0.1, 0.5, 1}) {
                for (boolean int8 : new boolean[] {false, true}) {
                    int rows = shape[0], cols = shape[1];
                    float[] d = Fixtures.random(rng, rows, cols, density);
                    SlicedEllMatrix m = int8 ? SlicedEllMatrix.int8(d, rows, cols) : SlicedEllMatrix.of(d, rows, cols);
                    float[] x = Fixtures.vector(rng, cols);
                    float[] y = new float[rows];
                    m.multiplyVector(x, y);
                    float[] ref = ScalarProducts.product(m, x, 1);
                    for (int r = 0; r < rows; r++)
                        assertEquals(Float.floatToIntBits(ref[r]), Float.floatToIntBits(y[r]),
                                m + " density " + density + " row " + r + ": " + y[r] + " against " + ref[r]);
                }
            }
        }
    }

    /** Split over threads (a product above RowChunks.PARALLEL_WORK), slices land in different chunks: the same bits. */
    @Test
    void aProductSharedOutOverThreadsGivesTheSameBits() {
        Rng rng = new Rng(9);
        int rows = 2001, cols = 1500;
        SlicedEllMatrix m = SlicedEllMatrix.of(Fixtures.random(rng, rows, cols, 0.5), rows, cols);
        float[] x = Fixtures.vector(rng, cols);
        float[][] y = new float[3][rows];
        for (int t = 1; t <= 3; t++) {
            Parallel.setThreads(t);
            m.multiplyVector(x, y[t - 1]);
        }
        assertArrayEquals(y[0], y[1]);
        assertArrayEquals(y[0], y[2]);
    }
}
