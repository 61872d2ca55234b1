package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of {@link Gemm}: an MR×NR block of C (8 rows × 2 vectors) accumulated in 16
 * vector registers over a packed A sliver and a packed B panel. Each step loads two B vectors,
 * broadcasts eight A values and issues sixteen FMAs: 2 loads per 16 FMAs keeps the FMA units busy.
 */
final class GemmMicroKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED.length() >= 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int MR = 8;
    static final int NR = 2 * L;

    private GemmMicroKernel() {}

    /**
     * C[rows × cols tile at cOff] (+)= Ap(sliver) · Bp(panel) over kc steps, B's rows bStride apart
     * (NR in a packed panel; the matrix's own row length when B is read in place). A full tile is written
     * with vector stores; an edge tile (rows < MR or cols < NR) goes through a scratch tile.
     */
    static void run(int kc, float[] ap, int aIdx, float[] bp, int bIdx, int bStride, float[] c, int cOff, int ldc,
                    int rows, int cols, boolean add, float[] scratch) {
        // A full tile that accumulates starts from C itself; edge tiles start from zero and are
        // added to C through the scratch tile. (Keeping all vector work inside this one method lets
        // the JIT keep the accumulators in registers instead of boxing them for a helper call.)
        boolean full = rows == MR && cols == NR, load = full && add;
        FloatVector c00 = load ? FloatVector.fromArray(S, c, cOff) : FloatVector.zero(S);
        FloatVector c01 = load ? FloatVector.fromArray(S, c, cOff + L) : FloatVector.zero(S);
        FloatVector c10 = load ? FloatVector.fromArray(S, c, cOff + ldc) : FloatVector.zero(S);
        FloatVector c11 = load ? FloatVector.fromArray(S, c, cOff + ldc + L) : FloatVector.zero(S);
        FloatVector c20 = load ? FloatVector.fromArray(S, c, cOff + 2 * ldc) : FloatVector.zero(S);
        FloatVector c21 = load ? FloatVector.fromArray(S, c, cOff + 2 * ldc + L) : FloatVector.zero(S);
        FloatVector c30 = load ? FloatVector.fromArray(S, c, cOff + 3 * ldc) : FloatVector.zero(S);
        FloatVector c31 = load ? FloatVector.fromArray(S, c, cOff + 3 * ldc + L) : FloatVector.zero(S);
        FloatVector c40 = load ? FloatVector.fromArray(S, c, cOff + 4 * ldc) : FloatVector.zero(S);
        FloatVector c41 = load ? FloatVector.fromArray(S, c, cOff + 4 * ldc + L) : FloatVector.zero(S);
        FloatVector c50 = load ? FloatVector.fromArray(S, c, cOff + 5 * ldc) : FloatVector.zero(S);
        FloatVector c51 = load ? FloatVector.fromArray(S, c, cOff + 5 * ldc + L) : FloatVector.zero(S);
        FloatVector c60 = load ? FloatVector.fromArray(S, c, cOff + 6 * ldc) : FloatVector.zero(S);
        FloatVector c61 = load ? FloatVector.fromArray(S, c, cOff + 6 * ldc + L) : FloatVector.zero(S);
        FloatVector c70 = load ? FloatVector.fromArray(S, c, cOff + 7 * ldc) : FloatVector.zero(S);
        FloatVector c71 = load ? FloatVector.fromArray(S, c, cOff + 7 * ldc + L) : FloatVector.zero(S);
        int ai = aIdx, bi = bIdx;
        for (int p = 0; p < kc; p++, ai += MR, bi += bStride) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a, c00);
            c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a, c10);
            c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a, c20);
            c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a, c30);
            c31 = b1.fma(a, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = b0.fma(a, c40);
            c41 = b1.fma(a, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = b0.fma(a, c50);
            c51 = b1.fma(a, c51);
            a = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = b0.fma(a, c60);
            c61 = b1.fma(a, c61);
            a = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = b0.fma(a, c70);
            c71 = b1.fma(a, c71);
        }
        if (full) {
            c00.intoArray(c, cOff);
            c01.intoArray(c, cOff + L);
            c10.intoArray(c, cOff + ldc);
            c11.intoArray(c, cOff + ldc + L);
            c20.intoArray(c, cOff + 2 * ldc);
            c21.intoArray(c, cOff + 2 * ldc + L);
            c30.intoArray(c, cOff + 3 * ldc);
            c31.intoArray(c, cOff + 3 * ldc + L);
            c40.intoArray(c, cOff + 4 * ldc);
            c41.intoArray(c, cOff + 4 * ldc + L);
            c50.intoArray(c, cOff + 5 * ldc);
            c51.intoArray(c, cOff + 5 * ldc + L);
            c60.intoArray(c, cOff + 6 * ldc);
            c61.intoArray(c, cOff + 6 * ldc + L);
            c70.intoArray(c, cOff + 7 * ldc);
            c71.intoArray(c, cOff + 7 * ldc + L);
            return;
        }
        c00.intoArray(scratch, 0);
        c01.intoArray(scratch, L);
        c10.intoArray(scratch, NR);
        c11.intoArray(scratch, NR + L);
        c20.intoArray(scratch, 2 * NR);
        c21.intoArray(scratch, 2 * NR + L);
        c30.intoArray(scratch, 3 * NR);
        c31.intoArray(scratch, 3 * NR + L);
        c40.intoArray(scratch, 4 * NR);
        c41.intoArray(scratch, 4 * NR + L);
        c50.intoArray(scratch, 5 * NR);
        c51.intoArray(scratch, 5 * NR + L);
        c60.intoArray(scratch, 6 * NR);
        c61.intoArray(scratch, 6 * NR + L);
        c70.intoArray(scratch, 7 * NR);
        c71.intoArray(scratch, 7 * NR + L);
        for (int r = 0; r < rows; r++) {
            int row = cOff + r * ldc;
            for (int j = 0; j < cols; j++) c[row + j] = add ? c[row + j] + scratch[r * NR + j] : scratch[r * NR + j];
        }
    }

}
