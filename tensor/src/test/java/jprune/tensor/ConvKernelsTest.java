package jprune.tensor;

import static jprune.tensor.KernelAssert.assertAllClose;
import static jprune.tensor.KernelAssert.random;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class ConvKernelsTest {
    static final int[][] CASES = {
        // batch, C, H, W, OC, kH, kW, stride, pad
        {1, 1, 5, 5, 1, 3, 3, 1, 0}, {3, 2, 7, 6, 3, 3, 3, 1, 1}, {2, 3, 8, 8, 4, 5, 5, 1, 2}, {5, 1, 13, 11, 6, 5, 5, 2, 2},
        {2, 7, 9, 9, 2, 3, 2, 3, 1}, {3, 4, 6, 5, 5, 1, 1, 1, 0}, {2, 3, 7, 7, 2, 1, 1, 2, 0}, {1, 2, 4, 4, 3, 4, 4, 1, 0},
    };

    static ConvGeometry geo(int[] c) {
        return new ConvGeometry(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[7], c[8], c[8]);
    }

    @Test
    void forwardAndBackwardMatchTheDirectLoops() {
        Rng rng = new Rng(5);
        for (int[] c : CASES) {
            ConvGeometry g = geo(c);
            String name = java.util.Arrays.toString(c);
            float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), b = random(rng, g.outChannels());
            float[] y = new float[g.outputSize()], yRef = new float[g.outputSize()];
            ConvKernels.forward(g, x, w, b, y);
            ConvReference.forward(g, x, w, b, yRef);
            assertAllClose(y, yRef, 1e-4, 1e-5, "forward " + name);

            float[] dy = random(rng, g.outputSize());
            float[] dx = new float[g.inputSize()], dxRef = new float[g.inputSize()];
            float[] dw = random(rng, g.weightSize()), dwRef = dw.clone();   // accumulates into existing values
            float[] db = new float[g.outChannels()], dbRef = new float[g.outChannels()];
            ConvKernels.backward(g, x, w, dy, dx, dw, db);
            ConvReference.backward(g, x, w, dy, dxRef, dwRef, dbRef);
            assertAllClose(dx, dxRef, 1e-4, 1e-5, "dx " + name);
            assertAllClose(dw, dwRef, 1e-4, 1e-4, "dw " + name);
            assertAllClose(db, dbRef, 1e-4, 1e-4, "dbias " + name);
        }
    }

    @Test
    void resultsRepeatExactlyAndOutputsDoNotDependOnThreads() {
        ConvGeometry g = new ConvGeometry(6, 3, 12, 12, 4, 5, 5, 1, 2, 2, 2);
        Rng rng = new Rng(9);
        float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), dy = random(rng, g.outputSize());
        int saved = Parallel.threads();
        try {
            float[][] y = new float[2][g.outputSize()], dx = new float[2][g.inputSize()];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                ConvKernels.forward(g, x, w, null, y[t - 1]);
                ConvKernels.backward(g, x, w, dy, dx[t - 1], null, null);
            }
            assertArrayEquals(y[0], y[1]);
            assertArrayEquals(dx[0], dx[1]);
            float[] dw1 = new float[g.weightSize()], dw2 = new float[g.weightSize()];
            ConvKernels.backward(g, x, w, dy, null, dw1, null);
            ConvKernels.backward(g, x, w, dy, null, dw2, null);
            assertArrayEquals(dw1, dw2);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void geometryAndSizesAreValidated() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 1, 3, 3, 1, 5, 5, 1, 1, 0, 0));
        assertTrue(e.getMessage().contains("larger"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 0, 3, 3, 1, 1, 1, 1, 1, 0, 0));
        assertTrue(e.getMessage().contains("inChannels"), e.getMessage());
        ConvGeometry g = new ConvGeometry(1, 1, 4, 4, 1, 3, 3, 1, 1, 0, 0);
        e = assertThrows(IllegalArgumentException.class, () -> ConvKernels.forward(g, new float[15], new float[9], null, new float[4]));
        assertTrue(e.getMessage().contains("16"), e.getMessage());
    }
}
