package jprune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GemmTest {
    private static final int[] ODD_SIZES = {1, 3, 15, 17, 31, 33, 63, 65, 100};
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    /** One GEMM call's operands, laid out with offsets and padded leading dimensions. */
    private record Case(boolean transA, boolean transB, int m, int n, int k, boolean accumulate,
                        float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {

        static Case random(Rng rng, boolean transA, boolean transB, int m, int n, int k, boolean accumulate, boolean padded) {
            int aRows = transA ? k : m, aCols = transA ? m : k;
            int bRows = transB ? n : k, bCols = transB ? k : n;
            int lda = aCols + (padded ? 1 + rng.nextInt(5) : 0);
            int ldb = bCols + (padded ? 1 + rng.nextInt(5) : 0);
            int ldc = n + (padded ? 1 + rng.nextInt(5) : 0);
            int aOff = padded ? rng.nextInt(7) : 0, bOff = padded ? rng.nextInt(7) : 0, cOff = padded ? rng.nextInt(7) : 0;
            return new Case(transA, transB, m, n, k, accumulate,
                    fill(rng, aOff + aRows * lda + 3), aOff, lda,
                    fill(rng, bOff + bRows * ldb + 3), bOff, ldb,
                    fill(rng, cOff + m * ldc + 3), cOff, ldc);
        }

        float[] run() {
            float[] out = c.clone();
            Gemm.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, accumulate, out, cOff, ldc);
            return out;
        }

        float aAt(int i, int p) {
            return transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        }

        float bAt(int p, int j) {
            return transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        }

        @Override
        public String toString() {
            return (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k
                    + " accumulate=" + accumulate + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc;
        }
    }

    private static float[] fill(Rng rng, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = 2 * rng.nextFloat() - 1;
        return x;
    }

    /** Checks against the double-accumulating reference within the rounding bound of a k-term float sum. */
    private static void assertMatchesReference(Case t) {
        float[] got = t.run();
        float[] want = t.c.clone();
        GemmReference.gemm(t.transA, t.transB, t.m, t.n, t.k, t.a, t.aOff, t.lda, t.b, t.bOff, t.ldb,
                t.accumulate, want, t.cOff, t.ldc);
        for (int idx = 0; idx < got.length; idx++) {
            int rel = idx - t.cOff;
            int i = Math.floorDiv(rel, t.ldc), j = Math.floorMod(rel, t.ldc);
            boolean inside = rel >= 0 && i < t.m && j < t.n;
            if (!inside) {
                assertEquals(t.c[idx], got[idx], t + ": wrote outside C at index " + idx);
                continue;
            }
            double magnitude = t.accumulate ? Math.abs(t.c[idx]) : 0;
            for (int p = 0; p < t.k; p++) magnitude += Math.abs((double) t.aAt(i, p) * t.bAt(p, j));
            double tol = (t.k + 2) * 0x1p-23 * magnitude + 1e-30;
            int row = i, col = j;
            float w = want[idx], g = got[idx];
            assertTrue(Math.abs(g - w) <= tol, () -> t + ": C[" + row + "][" + col + "] = " + g + ", reference " + w + ", tolerance " + tol);
        }
    }

    @Test
    void matchesReferenceOverOddSizesAllTransposesAndAccumulate() {
        Rng rng = new Rng(1);
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    for (int m : ODD_SIZES) {
                        for (int n : ODD_SIZES) {
                            // Every m×n pair with a k that cycles through the list, so each size is a tail somewhere.
                            int k = ODD_SIZES[(m * 7 + n * 3 + (transA ? 1 : 0) + (transB ? 2 : 0)) % ODD_SIZES.length];
                            assertMatchesReference(Case.random(rng, transA, transB, m, n, k, accumulate, (m + n) % 2 == 0));
                        }
                    }
                }
            }
        }
    }

    @Test
    void dotProductPathMatchesReference() {
        // A·Bᵀ with few outputs and a long depth takes GemmDotKernel; tails in every dimension.
        Rng rng = new Rng(12);
        for (int[] s : new int[][] {{6, 25, 4704}, {5, 7, 1000}, {1, 1, 513}, {3, 9, 777}, {16, 150, 800}})
            for (boolean acc : new boolean[] {false, true})
                assertMatchesReference(Case.random(rng, false, true, s[0], s[1], s[2], acc, true));
    }

    @Test
    void matchesReferenceAcrossKBlocksAndLargeTails() {
        Rng rng = new Rng(2);
        int[][] shapes = {{257, 65, 33}, {33, 257, 100}, {17, 100, 1000}, {65, 63, 800}, {6, 784, 25},
                          {16, 300, 150}, {9, 1031, 7}, {100, 49, 257}};
        for (int[] s : shapes) {
            for (int variant = 0; variant < 4; variant++) {
                boolean transA = (variant & 1) != 0, transB = (variant & 2) != 0;
                assertMatchesReference(Case.random(rng, transA, transB, s[0], s[1], s[2], variant % 3 == 0, true));
            }
        }
    }

    /**
     * Each C element of the blocked path is one fused multiply-add chain in k order: check it exactly.
     * (The dot-product path for long, narrow A·Bᵀ sums vector lanes instead; it runs on one thread,
     * so it too is independent of the thread count.)
     */
    @Test
    void everyElementIsASequentialFmaChain() {
        Rng rng = new Rng(3);
        int[][] shapes = {{1, 1, 1}, {8, 48, 5}, {13, 70, 400}, {6, 784, 25}, {80, 65, 900}};
        for (int[] s : shapes) {
            for (int variant = 0; variant < 8; variant++) {
                Case t = Case.random(rng, (variant & 1) != 0, (variant & 2) != 0, s[0], s[1], s[2], (variant & 4) != 0, true);
                float[] got = t.run();
                for (int i = 0; i < t.m; i++) {
                    for (int j = 0; j < t.n; j++) {
                        int idx = t.cOff + i * t.ldc + j;
                        float acc = t.accumulate ? t.c[idx] : 0f;
                        for (int p = 0; p < t.k; p++) acc = Math.fma(t.aAt(i, p), t.bAt(p, j), acc);
                        assertEquals(Float.floatToRawIntBits(acc), Float.floatToRawIntBits(got[idx]),
                                t + " at [" + i + "][" + j + "]");
                    }
                }
            }
        }
    }

    @Test
    void resultsAreBitIdenticalForOneTwoAndThreeThreads() {
        Rng rng = new Rng(4);
        // Large enough to be split over threads, by rows and by columns.
        List<Case> cases = new ArrayList<>();
        cases.add(Case.random(rng, false, true, 128, 300, 784, false, false));
        cases.add(Case.random(rng, true, false, 300, 784, 128, true, false));
        cases.add(Case.random(rng, false, false, 16, 5000, 150, false, true));
        cases.add(Case.random(rng, false, false, 301, 97, 1100, true, true));
        cases.add(Case.random(rng, true, true, 257, 255, 100, false, true));
        for (Case t : cases) {
            Parallel.setThreads(1);
            float[] one = t.run();
            for (int threads : new int[] {2, 3}) {
                Parallel.setThreads(threads);
                float[] many = t.run();
                for (int i = 0; i < one.length; i++) {
                    int idx = i;
                    assertEquals(Float.floatToRawIntBits(one[idx]), Float.floatToRawIntBits(many[idx]),
                            () -> t + ": " + threads + " threads differ from 1 at index " + idx);
                }
            }
        }
    }

    @Test
    void emptyDimensions() {
        float[] c = {5, 6, 7, 8};
        Gemm.gemm(false, false, 0, 2, 3, new float[0], 0, 3, new float[6], 0, 2, false, c, 0, 2);
        Gemm.gemm(false, false, 2, 0, 3, new float[6], 0, 3, new float[0], 0, 1, false, c, 0, 1);
        assertArrayEquals(new float[] {5, 6, 7, 8}, c);
        // k = 0: the product is an empty sum, so C = 0, or C unchanged when accumulating.
        Gemm.gemm(false, false, 2, 2, 0, new float[0], 0, 1, new float[0], 0, 2, true, c, 0, 2);
        assertArrayEquals(new float[] {5, 6, 7, 8}, c);
        float[] padded = {1, 2, 3, 4, 5, 6, 7};
        Gemm.gemm(true, true, 2, 2, 0, new float[0], 0, 2, new float[0], 0, 1, false, padded, 1, 3);
        assertArrayEquals(new float[] {1, 0, 0, 4, 0, 0, 7}, padded);
    }

    @Test
    void rejectsBadArgumentsNamingThem() {
        float[] x = new float[12];
        assertMessage("m=-1", () -> Gemm.gemm(false, false, -1, 2, 2, x, 0, 2, x, 0, 2, false, x, 0, 2));
        assertMessage("lda", () -> Gemm.gemm(false, false, 2, 2, 3, x, 0, 2, x, 0, 2, false, x, 0, 2));
        assertMessage("ldb", () -> Gemm.gemm(false, true, 2, 2, 3, x, 0, 3, x, 0, 2, false, x, 0, 2));
        assertMessage("c has 12", () -> Gemm.gemm(false, false, 2, 2, 2, x, 0, 2, x, 0, 2, false, x, 9, 2));
        assertMessage("a has 12", () -> Gemm.gemm(true, false, 4, 2, 4, x, 0, 4, x, 0, 2, false, x, 0, 2));
        assertMessage("bOff", () -> Gemm.gemm(false, false, 2, 2, 2, x, 0, 2, x, -1, 2, false, x, 0, 2));
        assertThrows(NullPointerException.class, () -> Gemm.gemm(false, false, 2, 2, 2, null, 0, 2, x, 0, 2, false, x, 0, 2));
    }

    private static void assertMessage(String fragment, Runnable call) {
        var e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' should mention " + fragment);
    }

    @Property(tries = 150)
    void randomShapesMatchReference(@ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 110) int n,
                                    @ForAll @IntRange(min = 1, max = 90) int k, @ForAll boolean transA,
                                    @ForAll boolean transB, @ForAll boolean accumulate, @ForAll @IntRange(max = 1000) int seed) {
        assertMatchesReference(Case.random(new Rng(seed), transA, transB, m, n, k, accumulate, seed % 2 == 0));
    }

    @Test
    void timingEntryPointRestoresThreads() {
        Parallel.setThreads(1);
        double gflops = GemmTiming.measureGflops(64, 2, 2);
        assertTrue(gflops > 0 && Double.isFinite(gflops), "GFLOPS " + gflops);
        assertEquals(1, Parallel.threads());
    }
}
