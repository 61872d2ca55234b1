package jprune.deploy.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
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
    void rowsSortedByLengthFillSlicesAndEachPanelTakesAsManyStepsAsItsBusiestRow() {
        int lanes = FormatSpecies.L, width = 2 * lanes;
        int rows = lanes + 1, cols = width + 3;   // two slices (the second of one row), a second panel of three columns
        float[] d = new float[rows * cols];
        d[0] = 1;                       // row 0: three weights in panel 0
        d[2] = 2;
        d[width - 1] = 3;
        d[cols + 5] = 4;                // row 1: one in panel 0
        d[cols + width + 2] = 5;        // and one in panel 1
        d[lanes * cols + width] = 6;    // the last row: one in panel 1
        SlicedEllMatrix m = SlicedEllMatrix.of(d, rows, cols);
        // Sorted by length (one window), slice 0 holds rows 0, 1, the last row, then 2..: the last row's
        // weight shares a step with row 1's in panel 1; slice 1 holds one empty row.
        int[] order = m.orderView();
        assertEquals(List.of(0, 1, lanes, 2), List.of(order[0], order[1], order[2], order[3]));
        assertEquals(lanes - 1, order[lanes]);
        assertEquals(-1, order[lanes + 1]);
        assertEquals((3 + 1) * lanes, m.slots());   // unsorted, the last row would have needed a step of its own
        assertEquals(6, m.nonzeros());
        assertEquals(5L * m.slots() + 4L * (2 * 2 + 1) + 4L * 2 * lanes + CsrMatrix.of(d, rows, cols).bytes(), m.bytes());
        assertArrayEquals(d, m.toDense());
        SlicedEllMatrix q = SlicedEllMatrix.int8(d, rows, cols);
        assertEquals(2L * q.slots() + 4L * (2 * 2 + 1) + 4L * 2 * lanes + 4L * rows + CsrMatrix.int8(d, rows, cols).bytes(), q.bytes());
        assertEquals("sell-int8", q.format());
    }

    @Test
    void theVectorProductIsItsScalarReferenceBitForBit() {
        Rng rng = new Rng(8);
        int[][] shapes = {{1, 1}, {17, 33}, {300, 784}, {100, 300}, {61, 1000}, {257, 140}};
        for (int[] shape : shapes) {
            for (double density : new double[] {0, 0.02, 0.1, 0.5, 1}) {
                for (boolean int8 : new boolean[] {false, true}) {
                    int rows = shape[0], cols = shape[1];
                    // int8 cases with empty rows among the others, so the sorting reorders them
                    float[] d = int8 ? Fixtures.withEmptyRows(rng, rows, cols, density) : Fixtures.random(rng, rows, cols, density);
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
