package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM register tile: an MR-row block of C, one to three vectors wide, held in vector
 * accumulators while MR values of op(A) and a row of op(B) stream past per k step. Every C element
 * is one chain of fused multiply-adds in k order, starting from C itself or from zero, so the result
 * does not depend on how the driver blocks or splits the work.
 *
 * <p>A is addressed as a[ai + r*ars + p*aks] (row r, step p), which covers a packed sliver
 * (ars = 1, aks = MR) as well as A read in place, transposed or not. B is addressed as
 * b[bi + p*bks + j], a packed panel (bks = NR) or B read in place (bks = ldb).
 */
final class GemmMicroKernel {
    private GemmMicroKernel() {}

    /**
     * The vector width comes from {@link VectorPolicy}. With 16 lanes (AVX-512, 32 vector registers)
     * an 8×48 tile keeps 24 accumulators + 3 B vectors + 1 broadcast = 28 registers live without
     * spilling. Narrower vectors use a 6×(2 vectors) tile: 12 + 2 + 1 = 15 registers, which fits
     * the 16 of AVX2. In scalar mode {@link Gemm} does not call this kernel.
     */
    static final VectorSpecies<Float> SPECIES = VectorPolicy.FLOATS;
    static final int LANES = SPECIES.length();
    static final boolean WIDE = LANES >= 16;
    static final int MR = WIDE ? 8 : 6;
    /** Widest tile, in vectors. */
    static final int NV = WIDE ? 3 : 2;
    static final int NR = NV * LANES;

    /**
     * C[rows (8 or 6) at ci (row stride ldc), vectors·LANES columns] = (loadC ? C : 0) + op(A)·op(B) over
     * kc steps, with the addressing described in the class comment. Narrower tiles serve the last
     * columns of C so that little padding is computed.
     */
    static void tile(int rows, int vectors, int kc, float[] a, int ai, int ars, int aks, float[] b, int bi, int bks,
                     float[] c, int ci, int ldc, boolean loadC) {
        if (rows == 8) {
            switch (vectors) {
                case 3 -> tile8x3(kc, a, ai, ars, aks, b, bi, bks, c, ci, ldc, loadC);
                case 2 -> tile8x2(kc, a, ai, ars, aks, b, bi, bks, c, ci, ldc, loadC);
                default -> tile8x1(kc, a, ai, ars, aks, b, bi, bks, c, ci, ldc, loadC);
            }
        } else {
            switch (vectors) {
                case 3 -> tile6x3(kc, a, ai, ars, aks, b, bi, bks, c, ci, ldc, loadC);
                case 2 -> tile6x2(kc, a, ai, ars, aks, b, bi, bks, c, ci, ldc, loadC);
                default -> tile6x1(kc, a, ai, ars, aks, b, bi, bks, c, ci, ldc, loadC);
            }
        }
    }

    /**
     * Rows the kernel computes for a sliver of h ≤ MR rows: MR, or 6 when that is enough (a 6-row
     * tile, 18 accumulators at most, avoids computing padding for the 6-filter convolutions).
     */
    static int kernelRows(int h) {
        return h <= 6 ? 6 : MR;
    }

    private static FloatVector init(float[] c, int i, boolean loadC) {
        return loadC ? FloatVector.fromArray(SPECIES, c, i) : FloatVector.zero(SPECIES);
    }

    // Accumulators cRV (row R, vector V) must stay plain locals: an array of vectors would not be
    // kept in registers. The variants differ only in their rows and number of vectors.

    private static void tile8x3(int kc, float[] a, int ai, int ars, int aks, float[] b, int bi, int bks,
            float[] c, int ci, int ldc, boolean loadC) {
        final int l = LANES;
        final int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars, a6 = 6 * ars, a7 = 7 * ars;
        final int r0 = ci, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc;
        FloatVector c00 = init(c, r0, loadC), c01 = init(c, r0 + l, loadC), c02 = init(c, r0 + 2 * l, loadC);
        FloatVector c10 = init(c, r1, loadC), c11 = init(c, r1 + l, loadC), c12 = init(c, r1 + 2 * l, loadC);
        FloatVector c20 = init(c, r2, loadC), c21 = init(c, r2 + l, loadC), c22 = init(c, r2 + 2 * l, loadC);
        FloatVector c30 = init(c, r3, loadC), c31 = init(c, r3 + l, loadC), c32 = init(c, r3 + 2 * l, loadC);
        FloatVector c40 = init(c, r4, loadC), c41 = init(c, r4 + l, loadC), c42 = init(c, r4 + 2 * l, loadC);
        FloatVector c50 = init(c, r5, loadC), c51 = init(c, r5 + l, loadC), c52 = init(c, r5 + 2 * l, loadC);
        FloatVector c60 = init(c, r6, loadC), c61 = init(c, r6 + l, loadC), c62 = init(c, r6 + 2 * l, loadC);
        FloatVector c70 = init(c, r7, loadC), c71 = init(c, r7 + l, loadC), c72 = init(c, r7 + 2 * l, loadC);
        for (int p = 0; p < kc; p++, ai += aks, bi += bks) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + l);
            FloatVector b2 = FloatVector.fromArray(SPECIES, b, bi + 2 * l);
            FloatVector x = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(SPECIES, a[ai + a1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(SPECIES, a[ai + a2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(SPECIES, a[ai + a3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(SPECIES, a[ai + a4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(SPECIES, a[ai + a5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(SPECIES, a[ai + a6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61); c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(SPECIES, a[ai + a7]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71); c72 = x.fma(b2, c72);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + l); c02.intoArray(c, r0 + 2 * l);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + l); c12.intoArray(c, r1 + 2 * l);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + l); c22.intoArray(c, r2 + 2 * l);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + l); c32.intoArray(c, r3 + 2 * l);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + l); c42.intoArray(c, r4 + 2 * l);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + l); c52.intoArray(c, r5 + 2 * l);
        c60.intoArray(c, r6); c61.intoArray(c, r6 + l); c62.intoArray(c, r6 + 2 * l);
        c70.intoArray(c, r7); c71.intoArray(c, r7 + l); c72.intoArray(c, r7 + 2 * l);
    }

    private static void tile8x2(int kc, float[] a, int ai, int ars, int aks, float[] b, int bi, int bks,
            float[] c, int ci, int ldc, boolean loadC) {
        final int l = LANES;
        final int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars, a6 = 6 * ars, a7 = 7 * ars;
        final int r0 = ci, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc;
        FloatVector c00 = init(c, r0, loadC), c01 = init(c, r0 + l, loadC);
        FloatVector c10 = init(c, r1, loadC), c11 = init(c, r1 + l, loadC);
        FloatVector c20 = init(c, r2, loadC), c21 = init(c, r2 + l, loadC);
        FloatVector c30 = init(c, r3, loadC), c31 = init(c, r3 + l, loadC);
        FloatVector c40 = init(c, r4, loadC), c41 = init(c, r4 + l, loadC);
        FloatVector c50 = init(c, r5, loadC), c51 = init(c, r5 + l, loadC);
        FloatVector c60 = init(c, r6, loadC), c61 = init(c, r6 + l, loadC);
        FloatVector c70 = init(c, r7, loadC), c71 = init(c, r7 + l, loadC);
        for (int p = 0; p < kc; p++, ai += aks, bi += bks) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + l);
            FloatVector x = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, a[ai + a1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, a[ai + a2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, a[ai + a3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, a[ai + a4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, a[ai + a5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SPECIES, a[ai + a6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SPECIES, a[ai + a7]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + l);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + l);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + l);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + l);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + l);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + l);
        c60.intoArray(c, r6); c61.intoArray(c, r6 + l);
        c70.intoArray(c, r7); c71.intoArray(c, r7 + l);
    }

    private static void tile8x1(int kc, float[] a, int ai, int ars, int aks, float[] b, int bi, int bks,
            float[] c, int ci, int ldc, boolean loadC) {
        final int l = LANES;
        final int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars, a6 = 6 * ars, a7 = 7 * ars;
        final int r0 = ci, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc;
        FloatVector c00 = init(c, r0, loadC);
        FloatVector c10 = init(c, r1, loadC);
        FloatVector c20 = init(c, r2, loadC);
        FloatVector c30 = init(c, r3, loadC);
        FloatVector c40 = init(c, r4, loadC);
        FloatVector c50 = init(c, r5, loadC);
        FloatVector c60 = init(c, r6, loadC);
        FloatVector c70 = init(c, r7, loadC);
        for (int p = 0; p < kc; p++, ai += aks, bi += bks) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector x = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = x.fma(b0, c00);
            x = FloatVector.broadcast(SPECIES, a[ai + a1]);
            c10 = x.fma(b0, c10);
            x = FloatVector.broadcast(SPECIES, a[ai + a2]);
            c20 = x.fma(b0, c20);
            x = FloatVector.broadcast(SPECIES, a[ai + a3]);
            c30 = x.fma(b0, c30);
            x = FloatVector.broadcast(SPECIES, a[ai + a4]);
            c40 = x.fma(b0, c40);
            x = FloatVector.broadcast(SPECIES, a[ai + a5]);
            c50 = x.fma(b0, c50);
            x = FloatVector.broadcast(SPECIES, a[ai + a6]);
            c60 = x.fma(b0, c60);
            x = FloatVector.broadcast(SPECIES, a[ai + a7]);
            c70 = x.fma(b0, c70);
        }
        c00.intoArray(c, r0);
        c10.intoArray(c, r1);
        c20.intoArray(c, r2);
        c30.intoArray(c, r3);
        c40.intoArray(c, r4);
        c50.intoArray(c, r5);
        c60.intoArray(c, r6);
        c70.intoArray(c, r7);
    }

    private static void tile6x3(int kc, float[] a, int ai, int ars, int aks, float[] b, int bi, int bks,
            float[] c, int ci, int ldc, boolean loadC) {
        final int l = LANES;
        final int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars;
        final int r0 = ci, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc;
        FloatVector c00 = init(c, r0, loadC), c01 = init(c, r0 + l, loadC), c02 = init(c, r0 + 2 * l, loadC);
        FloatVector c10 = init(c, r1, loadC), c11 = init(c, r1 + l, loadC), c12 = init(c, r1 + 2 * l, loadC);
        FloatVector c20 = init(c, r2, loadC), c21 = init(c, r2 + l, loadC), c22 = init(c, r2 + 2 * l, loadC);
        FloatVector c30 = init(c, r3, loadC), c31 = init(c, r3 + l, loadC), c32 = init(c, r3 + 2 * l, loadC);
        FloatVector c40 = init(c, r4, loadC), c41 = init(c, r4 + l, loadC), c42 = init(c, r4 + 2 * l, loadC);
        FloatVector c50 = init(c, r5, loadC), c51 = init(c, r5 + l, loadC), c52 = init(c, r5 + 2 * l, loadC);
        for (int p = 0; p < kc; p++, ai += aks, bi += bks) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + l);
            FloatVector b2 = FloatVector.fromArray(SPECIES, b, bi + 2 * l);
            FloatVector x = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(SPECIES, a[ai + a1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(SPECIES, a[ai + a2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(SPECIES, a[ai + a3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(SPECIES, a[ai + a4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(SPECIES, a[ai + a5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + l); c02.intoArray(c, r0 + 2 * l);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + l); c12.intoArray(c, r1 + 2 * l);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + l); c22.intoArray(c, r2 + 2 * l);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + l); c32.intoArray(c, r3 + 2 * l);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + l); c42.intoArray(c, r4 + 2 * l);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + l); c52.intoArray(c, r5 + 2 * l);
    }

    private static void tile6x2(int kc, float[] a, int ai, int ars, int aks, float[] b, int bi, int bks,
            float[] c, int ci, int ldc, boolean loadC) {
        final int l = LANES;
        final int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars;
        final int r0 = ci, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc;
        FloatVector c00 = init(c, r0, loadC), c01 = init(c, r0 + l, loadC);
        FloatVector c10 = init(c, r1, loadC), c11 = init(c, r1 + l, loadC);
        FloatVector c20 = init(c, r2, loadC), c21 = init(c, r2 + l, loadC);
        FloatVector c30 = init(c, r3, loadC), c31 = init(c, r3 + l, loadC);
        FloatVector c40 = init(c, r4, loadC), c41 = init(c, r4 + l, loadC);
        FloatVector c50 = init(c, r5, loadC), c51 = init(c, r5 + l, loadC);
        for (int p = 0; p < kc; p++, ai += aks, bi += bks) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + l);
            FloatVector x = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, a[ai + a1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, a[ai + a2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, a[ai + a3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, a[ai + a4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, a[ai + a5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        c00.intoArray(c, r0); c01.intoArray(c, r0 + l);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + l);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + l);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + l);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + l);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + l);
    }

    private static void tile6x1(int kc, float[] a, int ai, int ars, int aks, float[] b, int bi, int bks,
            float[] c, int ci, int ldc, boolean loadC) {
        final int l = LANES;
        final int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars;
        final int r0 = ci, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc;
        FloatVector c00 = init(c, r0, loadC);
        FloatVector c10 = init(c, r1, loadC);
        FloatVector c20 = init(c, r2, loadC);
        FloatVector c30 = init(c, r3, loadC);
        FloatVector c40 = init(c, r4, loadC);
        FloatVector c50 = init(c, r5, loadC);
        for (int p = 0; p < kc; p++, ai += aks, bi += bks) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector x = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = x.fma(b0, c00);
            x = FloatVector.broadcast(SPECIES, a[ai + a1]);
            c10 = x.fma(b0, c10);
            x = FloatVector.broadcast(SPECIES, a[ai + a2]);
            c20 = x.fma(b0, c20);
            x = FloatVector.broadcast(SPECIES, a[ai + a3]);
            c30 = x.fma(b0, c30);
            x = FloatVector.broadcast(SPECIES, a[ai + a4]);
            c40 = x.fma(b0, c40);
            x = FloatVector.broadcast(SPECIES, a[ai + a5]);
            c50 = x.fma(b0, c50);
        }
        c00.intoArray(c, r0);
        c10.intoArray(c, r1);
        c20.intoArray(c, r2);
        c30.intoArray(c, r3);
        c40.intoArray(c, r4);
        c50.intoArray(c, r5);
    }}
