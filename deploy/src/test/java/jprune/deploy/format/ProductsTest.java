package jprune.deploy.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import jprune.tensor.Parallel;
import jprune.tensor.Rng;
import jprune.tensor.VectorPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every format's products (fp32 and int8, batch 1 and batched) against a double-precision dense
 * reference and against the format's own scalar kernels, on awkward shapes (tails of every vector
 * and group width), empty rows, an all-zero matrix and densities from 0 to 1.
 */
class ProductsTest {
    /** fp32 results may differ from each other by summation order only. */
    private static final double RTOL = 1e-5;
    private static final int[][] SHAPES = {{1, 1}, {7, 13}, {33, 70}, {129, 1000}};
    private static final double[] DENSITIES = {0, 0.02, 0.1, 0.5, 1.0};
    private static final int[] BATCHES = {1, 3, 17, 40, 64};
    /**
     * Formats with a vector path (dense, csr, bitmask, sell, 2:4, 4:8, 8:16, block4x4, block8x8, block2x8,
     * block1x32) and with only the scalar one (1:4, 3:8, block3x5, block1x4), so both are covered
     * whatever the machine's vector width.
     */
    static final String[] FORMATS = {"dense", "csr", "bitmask", "sell", "2:4", "4:8", "8:16", "1:4", "3:8",
            "block4x4", "block8x8", "block2x8", "block1x32", "block3x5", "block1x4"};

    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String f : FORMATS) {
            for (boolean int8 : new boolean[] {false, true}) out.add(Arguments.of(f, int8));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} int8={1}")
    @MethodSource("cases")
    void productsMatchDenseAndScalarReferences(String format, boolean int8) {
        Rng rng = new Rng(format.hashCode() * 31L + (int8 ? 1 : 0));
        for (int[] shape : SHAPES) {
            for (double density : DENSITIES) {
                check(rng, format, int8, shape[0], shape[1], Fixtures.forFormat(rng, format, shape[0], shape[1], density),
                        "density " + density);
            }
        }
        int rows = 40, cols = 150;
        float[] empty = Fixtures.withEmptyRows(rng, rows, cols, 0.3);
        if (format.contains(":")) empty = Fixtures.pruneNm(empty, rows, cols, nOf(format), mOf(format));
        check(rng, format, int8, rows, cols, empty, "empty rows");
        check(rng, format, int8, 20, 35, new float[20 * 35], "all zero");
    }

    private static int nOf(String nm) {
        return Integer.parseInt(nm.split(":")[0]);
    }

    private static int mOf(String nm) {
        return Integer.parseInt(nm.split(":")[1]);
    }

    private static void check(Rng rng, String format, boolean int8, int rows, int cols, float[] dense, String what) {
        WeightMatrix w = WeightFormats.encode(format, dense, rows, cols, int8);
        float[] stored = w.toDense();
        for (int batch : BATCHES) {
            String label = w.format() + " " + rows + "x" + cols + " " + what + " batch " + batch;
            float[] x = Fixtures.vector(rng, cols * batch);
            double[][] ref = Fixtures.reference(stored, rows, cols, x, batch);
            float[] y = new float[rows * batch];
            java.util.Arrays.fill(y, Float.NaN);
            if (batch == 1) w.multiplyVector(x, y);
            else w.multiplyBatch(x, batch, y);
            Fixtures.assertClose(y, ref[0], ref[1], y.length, RTOL, label + " vs dense reference");
            float[] scalar = ScalarProducts.product(w, x, batch);
            Fixtures.assertClose(y, scalar, ref[1], y.length, RTOL, label + " vs scalar reference");
            if (batch > 1) {
                // The batched kernels, fed one sample at a time, agree with the vector product.
                float[] y1 = new float[rows];
                w.multiplyVector(column(x, cols, batch, batch - 1), y1);
                Fixtures.assertClose(column(y, rows, batch, batch - 1), y1, column(ref[1], rows, batch, batch - 1), rows,
                        RTOL, label + " last sample vs multiplyVector");
            }
        }
    }

    private static float[] column(float[] a, int n, int batch, int b) {
        float[] c = new float[n];
        for (int i = 0; i < n; i++) c[i] = a[i * batch + b];
        return c;
    }

    private static double[] column(double[] a, int n, int batch, int b) {
        double[] c = new double[n];
        for (int i = 0; i < n; i++) c[i] = a[i * batch + b];
        return c;
    }

    /**
     * Large enough that each product is split over threads (over {@link RowChunks#PARALLEL_WORK}:
     * batch 1 needs a larger matrix than batch 64), so rows land in different chunks, and at
     * different places in the kernels' lockstep groups, for each thread count.
     */
    @ParameterizedTest(name = "{0} int8={1}")
    @MethodSource("cases")
    void resultsAreBitIdenticalForAnyThreadCount(String format, boolean int8) {
        Rng rng = new Rng(11);
        for (int[] shape : new int[][] {{3001, 3000, 1}, {611, 700, 64}}) {
            int rows = shape[0], cols = shape[1], batch = shape[2];
            WeightMatrix w = WeightFormats.encode(format, Fixtures.forFormat(rng, format, rows, cols, 0.3), rows, cols, int8);
            float[] x = Fixtures.vector(rng, cols * batch);
            float[][] y = new float[3][rows * batch];
            for (int t = 1; t <= 3; t++) {
                Parallel.setThreads(t);
                w.multiplyBatch(x, batch, y[t - 1]);
            }
            assertArrayEquals(y[0], y[1], w.format() + " batch " + batch + ", 1 vs 2 threads");
            assertArrayEquals(y[0], y[2], w.format() + " batch " + batch + ", 1 vs 3 threads");
        }
    }


    /**
     * The CSR matrix-vector product takes long rows one at a time or eight in lockstep, by processor
     * maker ({@link CsrKernels#LONG_ROWS_LOCKSTEP}): both give the same bits, on whole and ragged row
     * ranges (rows left over after the eighths, short and empty rows among long ones).
     */
    @Test
    void csrLongRowKernelsGiveTheSameBits() {
        assertEquals(1, CsrKernels.lockstep(null, false));
        assertEquals(8, CsrKernels.lockstep(" ", true));
        assertEquals(8, CsrKernels.lockstep("8", false));
        assertThrows(IllegalArgumentException.class, () -> CsrKernels.lockstep("4", true));
        assumeFalse(VectorPolicy.SCALAR, "the vector kernels do not run under the scalar policy");
        Rng rng = new Rng(5);
        int rows = 203, cols = 3000;
        float[] dense = Fixtures.withEmptyRows(rng, rows, cols, 0.3);
        for (int c = 0; c < cols; c += 2) dense[17 * cols + c] = 0;
        CsrMatrix w = CsrMatrix.of(dense, rows, cols);
        float[] x = Fixtures.vector(rng, cols);
        double[][] ref = Fixtures.reference(w.toDense(), rows, cols, x, 1);
        for (int[] range : new int[][] {{0, rows}, {3, 200}, {0, 9}, {190, 203}}) {
            float[] one = new float[rows], eight = new float[rows];
            w.multiplyVectorRows(x, one, range[0], range[1], 1);
            w.multiplyVectorRows(x, eight, range[0], range[1], 8);
            assertArrayEquals(eight, one, "rows " + range[0] + "-" + range[1]);
            if (range[1] == rows) {
                Fixtures.assertClose(Arrays.copyOfRange(one, range[0], rows), Arrays.copyOfRange(ref[0], range[0], rows),
                        Arrays.copyOfRange(ref[1], range[0], rows), rows - range[0], RTOL, "one row at a time vs dense reference");
            }
        }
    }

    @Test
    void csrWithMoreThan65536ColumnsUsesIntIndices() {
        Rng rng = new Rng(3);
        int rows = 5, cols = 70_001;
        float[] d = Fixtures.random(rng, rows, cols, 0.01);
        for (boolean int8 : new boolean[] {false, true}) {
            CsrMatrix m = int8 ? CsrMatrix.int8(d, rows, cols) : CsrMatrix.of(d, rows, cols);
            assertThrows(IllegalStateException.class, m::narrowColumnIndices);
            check(rng, "csr", int8, rows, cols, d, "wide indices");
        }
    }

    @Test
    void productsRejectWrongOperands() {
        WeightMatrix w = CsrMatrix.of(new float[] {1, 0, 2, 3, 0, 4}, 2, 3);
        assertThrows(IllegalArgumentException.class, () -> w.multiplyVector(new float[2], new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.multiplyVector(new float[3], new float[1]));
        assertThrows(IllegalArgumentException.class, () -> w.multiplyBatch(new float[6], 0, new float[4]));
        assertThrows(IllegalArgumentException.class, () -> w.multiplyBatch(new float[5], 2, new float[4]));
        float[] same = new float[6];
        assertThrows(IllegalArgumentException.class, () -> w.multiplyBatch(same, 2, same));
        assertThrows(NullPointerException.class, () -> w.multiplyVector(null, new float[2]));
    }

    @Test
    void longerOperandsAreAllowedAndOnlyTheProductIsWritten() {
        WeightMatrix w = CsrMatrix.of(new float[] {1, 0, 2, 3, 0, 4}, 2, 3);
        float[] y = {9, 9, 9};
        w.multiplyVector(new float[] {1, 1, 1, 5}, y);
        assertArrayEquals(new float[] {3, 7, 9}, y);
    }
}
