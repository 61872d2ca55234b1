package jprune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Every elementwise kernel at ragged sizes and offsets, against its scalar form. */
class ElementwiseTest {
    private static final int[] SIZES = {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 100, 257, 1000};

    @Test
    void binaryOpsEqualTheScalarOperationAtEveryElement() {
        Rng rng = new Rng(11);
        for (Elementwise.Op op : Elementwise.Op.values()) {
            for (int n : SIZES) {
                float[] a = KernelAssert.random(rng, n + 3), b = KernelAssert.random(rng, n + 5), out = new float[n + 2];
                Elementwise.binary(op, a, 3, b, 5, out, 2, n);
                for (int i = 0; i < n; i++) assertBits(op.apply(a[3 + i], b[5 + i]), out[2 + i], op + " n=" + n + " i=" + i);
                float s = rng.nextFloat() + 0.5f;
                Elementwise.binaryScalar(op, a, 3, s, out, 2, n);
                for (int i = 0; i < n; i++) assertBits(op.apply(a[3 + i], s), out[2 + i], op + " scalar n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void largeBinaryOpsSplitAcrossThreadsGiveTheSameElements() {
        Rng rng = new Rng(12);
        int n = Elementwise.PARALLEL_MIN * 2 + 13;
        float[] a = KernelAssert.random(rng, n), b = KernelAssert.random(rng, n), out = new float[n];
        Elementwise.binary(Elementwise.Op.MUL, a, 0, b, 0, out, 0, n);
        for (int i = 0; i < n; i++) assertBits(a[i] * b[i], out[i], "i=" + i);
    }

    @Test
    void axpyIsOneFusedMultiplyAddPerElement() {
        Rng rng = new Rng(13);
        for (int n : SIZES) {
            float[] x = KernelAssert.random(rng, n + 1), y = KernelAssert.random(rng, n + 4), ref = y.clone();
            Elementwise.axpy(-0.75f, x, 1, y, 4, n);
            Elementwise.axpyScalar(-0.75f, x, 1, ref, 4, n);
            assertArrayEquals(ref, y, "n=" + n);
            for (int i = 0; i < 4; i++) assertEquals(ref[i], y[i], "untouched prefix");
        }
    }

    @Test
    void sumAndDotAreCloseToExactAndAddInTheDocumentedOrder() {
        Rng rng = new Rng(14);
        for (int n : SIZES) {
            float[] x = KernelAssert.random(rng, n + 2), y = KernelAssert.random(rng, n + 1);
            for (int i = 0; i < x.length; i += 5) x[i] *= 1e4f;   // magnitudes that make the order show
            float sum = Elementwise.sum(x, 2, n), dot = Elementwise.dot(x, 2, y, 1, n);
            assertEquals(Elementwise.sumScalar(x, 2, n), sum, 1e-5 * (1 + absSum(x, 2, n)), "sum n=" + n);
            assertEquals(Elementwise.dotScalar(x, 2, y, 1, n), dot, 1e-5 * (1 + absSum(x, 2, n)), "dot n=" + n);
            assertBits(orderModel(x, 2, null, 0, n), sum, "sum order n=" + n);
            assertBits(orderModel(x, 2, y, 1, n), dot, "dot order n=" + n);
            assertBits(sum, Elementwise.sum(x, 2, n), "sum repeats n=" + n);
        }
    }

    /**
     * The documented order written out plainly: lane j accumulates elements j, j+L, ... of the whole
     * vectors, the lanes are added pairwise, then the tail in index order.
     */
    private static float orderModel(float[] x, int xo, float[] y, int yo, int n) {
        int l = VectorPolicy.LANES, bound = VectorPolicy.loopBound(n);
        float s = 0;
        if (bound > 0) {
            float[] lanes = new float[l];
            for (int i = 0; i < bound; i++) {
                int j = i % l;
                lanes[j] = y == null ? lanes[j] + x[xo + i] : Math.fma(x[xo + i], y[yo + i], lanes[j]);
            }
            s = VectorPolicy.laneSum(lanes);
        }
        for (int i = bound; i < n; i++) s = y == null ? s + x[xo + i] : Math.fma(x[xo + i], y[yo + i], s);
        return s;
    }

    @Test
    void rowAndColumnHelpersAddExactly() {
        Rng rng = new Rng(15);
        int rows = 5, cols = 37;
        float[] m = KernelAssert.random(rng, rows * cols), v = KernelAssert.random(rng, cols), ref = m.clone();
        Elementwise.addRowVector(m, rows, cols, v);
        for (int i = 0; i < ref.length; i++) assertBits(ref[i] + v[i % cols], m[i], "row vector i=" + i);
        float[] out = KernelAssert.random(rng, cols), expected = out.clone();
        Elementwise.addColumnSums(ref, rows, cols, out);
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) expected[c] += ref[r * cols + c];
        assertArrayEquals(expected, out);
    }

    private static double absSum(float[] x, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.abs(x[off + i]);
        return s;
    }

    private static void assertBits(float expected, float actual, String what) {
        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(actual), what + ": " + actual + " vs " + expected);
    }
}
