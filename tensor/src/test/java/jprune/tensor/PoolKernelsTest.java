package jprune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class PoolKernelsTest {
    @Test
    void maxPoolPicksWindowMaximaAndRoutesGradients() {
        float[] x = {
            1, 2, 0, 5,
            3, 4, 1, 1,
            0, 0, 9, 8,
            7, 0, 8, 9};
        PoolGeometry g = new PoolGeometry(1, 1, 4, 4, 2, 2, 2, 2, 0, 0);
        float[] y = new float[4];
        int[] arg = new int[4];
        PoolKernels.maxForward(g, x, y, arg);
        assertArrayEquals(new float[] {4, 5, 7, 9}, y);
        assertArrayEquals(new int[] {5, 3, 12, 10}, arg, "first maximum wins ties");
        float[] dx = new float[16];
        PoolKernels.maxBackward(g, new float[] {1, 2, 3, 4}, arg, dx);
        assertEquals(1, dx[5]);
        assertEquals(2, dx[3]);
        assertEquals(3, dx[12]);
        assertEquals(4, dx[10]);
        assertEquals(10, java.util.stream.IntStream.range(0, 16).mapToDouble(i -> dx[i]).sum());
    }

    @Test
    void avgPoolCountsPaddingLikePytorch() {
        float[] x = {1, 2, 3, 4};  // 2×2
        PoolGeometry g = new PoolGeometry(1, 1, 2, 2, 2, 2, 1, 1, 1, 1);
        float[] y = new float[9];
        PoolKernels.avgForward(g, x, y);
        assertArrayEquals(new float[] {0.25f, 0.75f, 0.5f, 1f, 2.5f, 1.5f, 0.75f, 1.75f, 1f}, y);
        float[] dx = new float[4];
        PoolKernels.avgBackward(g, new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, dx);
        assertArrayEquals(new float[] {1, 1, 1, 1}, dx);
    }

    @Test
    void oddShapesAgreeAcrossThreads() {
        PoolGeometry g = new PoolGeometry(9, 13, 7, 5, 3, 3, 2, 2, 1, 1);
        float[] x = KernelAssert.random(new Rng(2), g.inputSize());
        int saved = Parallel.threads();
        try {
            float[][] y = new float[2][g.outputSize()];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                PoolKernels.maxForward(g, x, y[t - 1], new int[g.outputSize()]);
            }
            assertArrayEquals(y[0], y[1]);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void invalidGeometryNamesTheProblem() {
        var e = assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(1, 1, 4, 4, 2, 2, 2, 2, 2, 2));
        assertTrue(e.getMessage().contains("padding"), e.getMessage());
    }
}
