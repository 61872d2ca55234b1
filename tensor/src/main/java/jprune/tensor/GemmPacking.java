package jprune.tensor;

import static jprune.tensor.GemmMicroKernel.MR;
import static jprune.tensor.GemmMicroKernel.NR;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies blocks of op(A) and op(B) into the layouts {@link GemmMicroKernel} streams: A as MR-row
 * slivers stored k-major ({@code [sliver][p][r]}), B as NR-column panels stored k-major
 * ({@code [panel][p][j]}). Rows or columns past the matrix edge are zero so the kernel always runs
 * full tiles. Packing absorbs the transpose of B, so one kernel serves all four cases; A is read in
 * place either way and packed only for a sliver cut by the bottom edge of C.
 */
final class GemmPacking {
    private GemmPacking() {}

    /**
     * The 8×8 transpose uses 256-bit two-source permutes, where the vector policy allows vectors
     * that wide; narrower settings transpose with scalar moves (packing only moves values, so
     * either way the packed panel is the same).
     */
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    private static final boolean VECTOR_TRANSPOSE = VectorPolicy.BITS >= 256;

    // Permutation indices (0-7 first source, 8-15 second) for the three interleave stages of an 8×8
    // transpose: stage s interleaves chunks of 2^(s-1) lanes from two vectors.
    private static final FloatVector LO1 = indices(0, 8, 1, 9, 2, 10, 3, 11);
    private static final FloatVector HI1 = indices(4, 12, 5, 13, 6, 14, 7, 15);
    private static final FloatVector LO2 = indices(0, 1, 8, 9, 2, 3, 10, 11);
    private static final FloatVector HI2 = indices(4, 5, 12, 13, 6, 7, 14, 15);
    private static final FloatVector LO4 = indices(0, 1, 2, 3, 8, 9, 10, 11);
    private static final FloatVector HI4 = indices(4, 5, 6, 7, 12, 13, 14, 15);

    private static FloatVector indices(int... lanes) {
        float[] f = new float[lanes.length];
        for (int i = 0; i < lanes.length; i++) f[i] = lanes[i];
        return FloatVector.fromArray(S8, f, 0);
    }

    /** Floats needed to pack rows × kc of op(A) (rows rounded up to MR). */
    static int aSize(int rows, int kc) {
        return ceilDiv(rows, MR) * MR * kc;
    }

    /** Floats needed to pack kc × cols of op(B) (cols rounded up to NR). */
    static int bSize(int cols, int kc) {
        return ceilDiv(cols, NR) * NR * kc;
    }

    static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    /**
     * Packs op(A)[i0 .. i0+rows) × [p0 .. p0+kc) into dst[0 ..) as MR-row slivers. Element (i, p) of
     * op(A) is a[aOff + i*lda + p], or a[aOff + p*lda + i] when transA.
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc, float[] dst) {
        for (int s = 0; s < rows; s += MR) {
            int h = Math.min(MR, rows - s);
            int d = s * kc;
            if (transA) {
                copyRows(a, aOff + p0 * lda + i0 + s, lda, kc, h, MR, dst, d);
            } else {
                transposeRows(a, aOff + (i0 + s) * lda + p0, lda, kc, h, MR, dst, d);
            }
        }
    }

    /**
     * Packs op(B)[p0 .. p0+kc) × [j0 .. j0+cols) into dst[0 ..) as NR-column panels. Element (p, j) of
     * op(B) is b[bOff + p*ldb + j], or b[bOff + j*ldb + p] when transB.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int cols, float[] dst) {
        for (int s = 0; s < cols; s += NR) {
            int w = Math.min(NR, cols - s);
            int d = s * kc;
            if (transB) {
                transposeRows(b, bOff + (j0 + s) * ldb + p0, ldb, kc, w, NR, dst, d);
            } else {
                copyRows(b, bOff + p0 * ldb + j0 + s, ldb, kc, w, NR, dst, d);
            }
        }
    }

    /**
     * dst[d + p*width + x] = src[s + p*ld + x] for x &lt; count, 0 for count ≤ x &lt; width: each step
     * p copies a contiguous run of the source.
     */
    private static void copyRows(float[] src, int s, int ld, int kc, int count, int width, float[] dst, int d) {
        if (count == width) {
            for (int p = 0; p < kc; p++, s += ld, d += width) System.arraycopy(src, s, dst, d, width);
        } else {
            for (int p = 0; p < kc; p++, s += ld, d += width) {
                System.arraycopy(src, s, dst, d, count);
                for (int x = count; x < width; x++) dst[d + x] = 0f;
            }
        }
    }

    /**
     * dst[d + p*width + x] = src[s + x*ld + p] for x &lt; count, 0 for count ≤ x &lt; width: the source
     * holds one contiguous row per x, so this is a transpose, done in 8×8 register blocks.
     */
    private static void transposeRows(float[] src, int s, int ld, int kc, int count, int width, float[] dst, int d) {
        int x = 0;
        if (VECTOR_TRANSPOSE && width % 8 == 0) {
            for (; x + 8 <= count; x += 8) {
                int p = 0;
                for (; p + 8 <= kc; p += 8) transpose8(src, s + x * ld + p, ld, dst, d + p * width + x, width);
                for (; p < kc; p++) {
                    for (int r = 0; r < 8; r++) dst[d + p * width + x + r] = src[s + (x + r) * ld + p];
                }
            }
        }
        for (; x < count; x++) {
            for (int p = 0, si = s + x * ld, di = d + x; p < kc; p++, di += width) dst[di] = src[si + p];
        }
        for (; x < width; x++) {
            for (int p = 0, di = d + x; p < kc; p++, di += width) dst[di] = 0f;
        }
    }

    /** Transposes the 8×8 block at src[s + r*ld + p] into dst[d + p*width + r]. */
    private static void transpose8(float[] src, int s, int ld, float[] dst, int d, int width) {
        FloatVector r0 = FloatVector.fromArray(S8, src, s);
        FloatVector r1 = FloatVector.fromArray(S8, src, s + ld);
        FloatVector r2 = FloatVector.fromArray(S8, src, s + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(S8, src, s + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(S8, src, s + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(S8, src, s + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(S8, src, s + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(S8, src, s + 7 * ld);
        // Rows {0,1}, {2,3}, ... interleaved: t0 holds p0-3 of rows 0-1, t1 p4-7 of rows 0-1.
        FloatVector t0 = LO1.selectFrom(r0, r1), t1 = HI1.selectFrom(r0, r1);
        FloatVector t2 = LO1.selectFrom(r2, r3), t3 = HI1.selectFrom(r2, r3);
        FloatVector t4 = LO1.selectFrom(r4, r5), t5 = HI1.selectFrom(r4, r5);
        FloatVector t6 = LO1.selectFrom(r6, r7), t7 = HI1.selectFrom(r6, r7);
        // Rows 0-3 (u0..u3) and 4-7 (u4..u7), two p values each.
        FloatVector u0 = LO2.selectFrom(t0, t2), u1 = HI2.selectFrom(t0, t2);
        FloatVector u2 = LO2.selectFrom(t1, t3), u3 = HI2.selectFrom(t1, t3);
        FloatVector u4 = LO2.selectFrom(t4, t6), u5 = HI2.selectFrom(t4, t6);
        FloatVector u6 = LO2.selectFrom(t5, t7), u7 = HI2.selectFrom(t5, t7);
        LO4.selectFrom(u0, u4).intoArray(dst, d);
        HI4.selectFrom(u0, u4).intoArray(dst, d + width);
        LO4.selectFrom(u1, u5).intoArray(dst, d + 2 * width);
        HI4.selectFrom(u1, u5).intoArray(dst, d + 3 * width);
        LO4.selectFrom(u2, u6).intoArray(dst, d + 4 * width);
        HI4.selectFrom(u2, u6).intoArray(dst, d + 5 * width);
        LO4.selectFrom(u3, u7).intoArray(dst, d + 6 * width);
        HI4.selectFrom(u3, u7).intoArray(dst, d + 7 * width);
    }
}
