package jprune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class GemmTest {
    static final int[] SIZES = {1, 3, 15, 17, 31, 33, 65, 100};

    /** Runs both kernels on random data with padding around every matrix and compares. */
    static void compare(boolean ta, boolean tb, int m, int n, int k, boolean acc, Rng rng) {
        int pad = 3;
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + pad, ldb = bCols + 1, ldc = n + 2;
        float[] a = KernelAssert.random(rng, 5 + aRows * lda), b = KernelAssert.random(rng, 7 + bRows * ldb);
        float[] c = KernelAssert.random(rng, 2 + m * ldc), cRef = c.clone();
        Gemm.gemm(ta, tb, m, n, k, a, 5, lda, b, 7, ldb, acc, c, 2, ldc);
        GemmReference.gemm(ta, tb, m, n, k, a, 5, lda, b, 7, ldb, acc, cRef, 2, ldc);
        KernelAssert.assertAllClose(c, cRef, 1e-5, 1e-6 * k + 1e-6, "gemm ta=" + ta + " tb=" + tb + " " + m + "×" + n + "×" + k + " acc=" + acc);
    }

    @Test
    void matchesReferenceOnOddSizesAllTransposes() {
        Rng rng = new Rng(1);
        for (int m : SIZES) for (int n : SIZES) for (int k : new int[] {1, 17, 100}) {
            boolean ta = rng.nextInt(2) == 1, tb = rng.nextInt(2) == 1, acc = rng.nextInt(2) == 1;
            compare(ta, tb, m, n, k, acc, rng);
        }
        for (boolean ta : new boolean[] {false, true}) for (boolean tb : new boolean[] {false, true}) {
            compare(ta, tb, 129, 97, 300, false, rng);   // several KC blocks and MC blocks
            compare(ta, tb, 7, 2100, 33, true, rng);     // more than one NC block
        }
        // The dot-product path (A·Bᵀ, few outputs, long depth), with odd tails in every dimension.
        for (int[] s : new int[][] {{6, 25, 4704}, {5, 7, 1000}, {1, 1, 513}, {3, 9, 777}})
            for (boolean acc : new boolean[] {false, true}) compare(false, true, s[0], s[1], s[2], acc, rng);
    }

    @Test
    void zeroSizes() {
        float[] c = {5f, 5f};
        Gemm.gemm(false, false, 1, 2, 0, new float[0], 0, 0, new float[0], 0, 2, false, c, 0, 2);
        assertArrayEquals(new float[] {0f, 0f}, c);
        c = new float[] {5f, 5f};
        Gemm.gemm(false, false, 1, 2, 0, new float[0], 0, 0, new float[0], 0, 2, true, c, 0, 2);
        assertArrayEquals(new float[] {5f, 5f}, c);
        Gemm.gemm(false, false, 0, 0, 3, new float[0], 0, 3, new float[0], 0, 0, false, new float[0], 0, 0);
    }

    @Test
    void resultIsBitIdenticalForOneAndTwoThreads() {
        Rng rng = new Rng(4);
        int saved = Parallel.threads();
        try {
            for (int[] s : new int[][] {{300, 200, 150}, {6, 784, 25}, {200, 10, 300}}) {
                int m = s[0], n = s[1], k = s[2];
                float[] a = KernelAssert.random(rng, m * k), b = KernelAssert.random(rng, k * n);
                float[] c1 = new float[m * n], c2 = new float[m * n];
                Parallel.setThreads(1);
                Gemm.gemm(false, true, m, n, k, a, 0, k, b, 0, k, false, c1, 0, n);
                Parallel.setThreads(2);
                Gemm.gemm(false, true, m, n, k, a, 0, k, b, 0, k, false, c2, 0, n);
                assertArrayEquals(c1, c2, java.util.Arrays.toString(s));
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void badArgumentsNameTheMatrix() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, 2, 2, 2, new float[3], 0, 2, new float[4], 0, 2, false, new float[4], 0, 2));
        assertTrue(e.getMessage().contains("A"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, 2, 2, 2, new float[4], 0, 2, new float[4], 0, 1, false, new float[4], 0, 2));
        assertTrue(e.getMessage().contains("leading dimension of B"), e.getMessage());
    }
}
