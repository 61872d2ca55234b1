package jprune.tensor;

import static jprune.tensor.GemmMicroKernel.LANES;
import static jprune.tensor.GemmMicroKernel.MR;
import static jprune.tensor.GemmMicroKernel.NR;
import static jprune.tensor.GemmMicroKernel.NV;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A fully connected layer's inference pass, y = epilogue(x·Wᵀ), on the calling thread, with the
 * weight transposed once in advance ({@link #packWeights}: [in][out], out padded to whole vectors),
 * so no call packs or transposes anything: whole blocks of {@link GemmMicroKernel#MR} rows go
 * through the GEMM's register tile reading x and Wᵀ in place; a few leftover rows (a batch of one or
 * two) through a one-row kernel that streams Wᵀ once with 8 independent accumulator chains, more of
 * them through one zero-padded tile.
 *
 * <p>Every output is one chain of fused multiply-adds over the inputs in order from zero, then the
 * epilogue (bias add, then ReLU), as {@link Gemm} and the layers compute it (outside the
 * shapes Gemm hands to its dot-product kernel), then, in {@link #forwardAdd}, the residual sum: a
 * sample's result does not depend on its batch or the thread count.
 */
public final class LinearForward {
    private static final VectorSpecies<Float> S = GemmMicroKernel.SPECIES;

    private LinearForward() {}

    /** Columns of a packed weight and of the outputs: out rounded up to whole vectors. */
    public static int paddedWidth(int out) {
        return GemmPacking.ceilDiv(out, LANES) * LANES;
    }

    /** W [out][in] (as Linear stores it) transposed to [in][paddedWidth(out)], zero in the padding. */
    public static float[] packWeights(float[] w, int out, int in) {
        if (w.length != (long) out * in) throw new IllegalArgumentException("linear: weight has " + w.length + " floats, needs " + out + "×" + in);
        int np = paddedWidth(out);
        float[] t = new float[in * np];
        for (int o = 0; o < out; o++)
            for (int f = 0; f < in; f++) t[f * np + o] = w[o * in + f];
        return t;
    }

    /**
     * y[r·ldy + j] for rows r &lt; m and j &lt; np = epilogue(Σ_p x[r·ldx + p]·wt[p·np + j]), p &lt; k.
     * x rows are read from xOff, y written from yOff; np is a multiple of the vector length.
     */
    public static void forward(int m, int k, int np, float[] x, int xOff, int ldx, float[] wt, Epilogue e, float[] y, int yOff, int ldy) {
        run(m, k, np, x, xOff, ldx, wt, e, y, yOff, ldy, false);
    }

    /**
     * y[r·ldy + j] += epilogue(Σ_p x[r·ldx + p]·wt[p·np + j]): a residual stream taking a layer's
     * output in place. The layer's output rounds first (its chain, then its epilogue), then the sum,
     * as x + layer(x) computes it unfused; the padding columns of y get 0 added.
     */
    public static void forwardAdd(int m, int k, int np, float[] x, int xOff, int ldx, float[] wt, Epilogue e, float[] y, int yOff, int ldy) {
        run(m, k, np, x, xOff, ldx, wt, e, y, yOff, ldy, true);
    }

    private static void run(int m, int k, int np, float[] x, int xOff, int ldx, float[] wt, Epilogue e, float[] y, int yOff, int ldy,
                            boolean add) {
        if (np % LANES != 0 || np < 1) throw new IllegalArgumentException("linear: padded width " + np + " is not a positive multiple of " + LANES);
        if (m < 0 || k < 1 || ldx < k || ldy < np) throw new IllegalArgumentException("linear: invalid sizes m=" + m + " k=" + k + " ldx=" + ldx + " ldy=" + ldy);
        if (wt.length < k * np) throw new IllegalArgumentException("linear: packed weight has " + wt.length + " floats, needs " + k + "×" + np);
        if (m == 0) return;
        if (xOff < 0 || xOff + (long) (m - 1) * ldx + k > x.length) throw new IllegalArgumentException("linear: x too small");
        if (yOff < 0 || yOff + (long) (m - 1) * ldy + np > y.length) throw new IllegalArgumentException("linear: y too small");
        int full = m - m % MR;
        tiles(full, k, np, x, xOff, ldx, wt, e, y, yOff, ldy, add);
        if (full < m) leftover(m - full, k, np, x, xOff + full * ldx, ldx, wt, e, y, yOff + full * ldy, ldy, add);
    }

    /**
     * Rows [0, m), m a multiple of {@link GemmMicroKernel#MR}, through the register tile. Column
     * blocks outside, row tiles inside: a k × NR block of Wᵀ stays in L2 while every row tile meets
     * it, so Wᵀ streams from memory once per call rather than once per row tile. Each tile's epilogue
     * runs as soon as it is computed, while the tile is in L1; adding into y, a tile's raw sums go to
     * scratch first, as y holds the stream they are added to. One call site each for the tile and the
     * epilogue keeps this method small enough for the JIT to inline the epilogue's vector helpers.
     */
    private static void tiles(int m, int k, int np, float[] x, int xOff, int ldx, float[] wt, Epilogue e, float[] y, int yOff, int ldy,
                              boolean add) {
        float[] t = add ? SCRATCH.get().tile() : null;
        for (int j = 0; j < np; j += NV * LANES) {
            int vectors = Math.min(NV, (np - j) / LANES);
            for (int r = 0; r < m; r += MR) {
                int yi = yOff + r * ldy + j;
                float[] dst = add ? t : y;
                int di = add ? 0 : yi, ldd = add ? NR : ldy;
                GemmMicroKernel.tile(MR, vectors, k, x, xOff + r * ldx, ldx, 1, wt, j, np, dst, di, ldd, false);
                emit(e, dst, di, ldd, MR, j, vectors, y, yi, ldy, add);
            }
        }
    }

    /**
     * The left rows after the last whole tile, into scratch and from there through the epilogue:
     * {@link #PAD_ROWS} or more as one zero-padded, packed sliver (one tile pass costs about what two
     * rows cost through the one-row kernel, whose loads outnumber its multiply-adds), fewer (a batch
     * of one or two) one row at a time.
     */
    private static void leftover(int left, int k, int np, float[] x, int xOff, int ldx, float[] wt, Epilogue e, float[] y, int yOff, int ldy,
                                 boolean add) {
        Scratch s = SCRATCH.get();
        if (left >= PAD_ROWS) {
            float[] a = s.a(MR * k), c = s.c(MR * np);
            java.util.Arrays.fill(a, 0, MR * k, 0f);
            for (int r = 0; r < left; r++)
                for (int p = 0, xi = xOff + r * ldx; p < k; p++) a[p * MR + r] = x[xi + p];
            for (int j = 0; j < np; j += NV * LANES)
                GemmMicroKernel.tile(MR, Math.min(NV, (np - j) / LANES), k, a, 0, 1, MR, wt, j, np, c, j, np, false);
            emit(e, c, 0, np, left, 0, np / LANES, y, yOff, ldy, add);
        } else {
            float[] c = s.c(np);
            for (int r = 0; r < left; r++) {
                row(k, np, x, xOff + r * ldx, wt, c, 0, 0, np);
                emit(e, c, 0, np, 1, 0, np / LANES, y, yOff + r * ldy, ldy, add);
            }
        }
    }

    /**
     * Rows [0, rows) × the vectors of columns [j, j + vectors·LANES) of raw sums at src (row stride
     * lds) through the epilogue into y (row stride ldy), added to what y holds when add is set.
     * src and y may be the same place.
     */
    private static void emit(Epilogue e, float[] src, int si, int lds, int rows, int j, int vectors, float[] y, int yi, int ldy,
                             boolean add) {
        for (int r = 0; r < rows; r++, si += lds, yi += ldy) {
            for (int v = 0, o = 0; v < vectors; v++, o += LANES) {
                FloatVector out = e.finish(e.affine(FloatVector.fromArray(S, src, si + o), j + o));
                if (add) out = FloatVector.fromArray(S, y, yi + o).add(out);
                out.intoArray(y, yi + o);
            }
        }
    }

    /** Leftover rows from which a padded tile beats the one-row kernel (measured on lenet-300-100's 784×300: 8 rows in one tile took 31 µs, one row 15 µs). */
    static final int PAD_ROWS = 3;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** A thread's padded sliver and tile output, grown on demand, and a register tile's raw sums. */
    private static final class Scratch {
        private float[] a = new float[0], c = new float[0];
        private final float[] tile = new float[MR * NR];

        float[] tile() {
            return tile;
        }

        float[] a(int n) {
            if (a.length < n) a = new float[n];
            return a;
        }

        float[] c(int n) {
            if (c.length < n) c = new float[n];
            return c;
        }
    }

    /**
     * Columns [j0, j1) of {@link #forward} for one row (m = 1) into y[yOff + j0, yOff + j1), the same
     * values forward gives them: a share of a batch-1 layer whose weight is worth streaming on more
     * than one core. j0 and j1 are multiples of the vector length.
     */
    public static void forwardRowColumns(int k, int np, float[] x, int xOff, float[] wt, Epilogue e, float[] y, int yOff, int j0, int j1) {
        if (np % LANES != 0 || np < 1 || k < 1) throw new IllegalArgumentException("linear: invalid sizes k=" + k + " np=" + np);
        if (j0 < 0 || j1 > np || j0 > j1 || j0 % LANES != 0 || j1 % LANES != 0)
            throw new IllegalArgumentException("linear: columns [" + j0 + ", " + j1 + ") of " + np + " are not whole vectors");
        if (wt.length < k * np) throw new IllegalArgumentException("linear: packed weight has " + wt.length + " floats, needs " + k + "×" + np);
        if (xOff < 0 || xOff + k > x.length) throw new IllegalArgumentException("linear: x too small");
        if (yOff < 0 || yOff + np > y.length) throw new IllegalArgumentException("linear: y too small");
        float[] c = SCRATCH.get().c(np);
        row(k, np, x, xOff, wt, c, 0, j0, j1);
        emit(e, c, j0, np, 1, j0, (j1 - j0) / LANES, y, yOff + j0, np, false);
    }

    /**
     * One row, columns [j0, j1): blocks of 8 vectors of outputs, each a chain over all of k (x stays
     * in L1; Wᵀ is read once), then blocks of 4, 2 and 1 for the rest.
     */
    static void row(int k, int np, float[] x, int xi, float[] wt, float[] y, int yi, int j0, int j1) {
        final int l = LANES;
        int j = j0;
        for (; j + 8 * l <= j1; j += 8 * l) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int p = 0, wi = j; p < k; p++, wi += np) {
                FloatVector v = FloatVector.broadcast(S, x[xi + p]);
                a0 = v.fma(FloatVector.fromArray(S, wt, wi), a0);
                a1 = v.fma(FloatVector.fromArray(S, wt, wi + l), a1);
                a2 = v.fma(FloatVector.fromArray(S, wt, wi + 2 * l), a2);
                a3 = v.fma(FloatVector.fromArray(S, wt, wi + 3 * l), a3);
                a4 = v.fma(FloatVector.fromArray(S, wt, wi + 4 * l), a4);
                a5 = v.fma(FloatVector.fromArray(S, wt, wi + 5 * l), a5);
                a6 = v.fma(FloatVector.fromArray(S, wt, wi + 6 * l), a6);
                a7 = v.fma(FloatVector.fromArray(S, wt, wi + 7 * l), a7);
            }
            a0.intoArray(y, yi + j); a1.intoArray(y, yi + j + l); a2.intoArray(y, yi + j + 2 * l); a3.intoArray(y, yi + j + 3 * l);
            a4.intoArray(y, yi + j + 4 * l); a5.intoArray(y, yi + j + 5 * l); a6.intoArray(y, yi + j + 6 * l); a7.intoArray(y, yi + j + 7 * l);
        }
        for (; j + 4 * l <= j1; j += 4 * l) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int p = 0, wi = j; p < k; p++, wi += np) {
                FloatVector v = FloatVector.broadcast(S, x[xi + p]);
                a0 = v.fma(FloatVector.fromArray(S, wt, wi), a0);
                a1 = v.fma(FloatVector.fromArray(S, wt, wi + l), a1);
                a2 = v.fma(FloatVector.fromArray(S, wt, wi + 2 * l), a2);
                a3 = v.fma(FloatVector.fromArray(S, wt, wi + 3 * l), a3);
            }
            a0.intoArray(y, yi + j); a1.intoArray(y, yi + j + l); a2.intoArray(y, yi + j + 2 * l); a3.intoArray(y, yi + j + 3 * l);
        }
        for (; j + 2 * l <= j1; j += 2 * l) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0;
            for (int p = 0, wi = j; p < k; p++, wi += np) {
                FloatVector v = FloatVector.broadcast(S, x[xi + p]);
                a0 = v.fma(FloatVector.fromArray(S, wt, wi), a0);
                a1 = v.fma(FloatVector.fromArray(S, wt, wi + l), a1);
            }
            a0.intoArray(y, yi + j); a1.intoArray(y, yi + j + l);
        }
        for (; j < j1; j += l) {
            FloatVector a0 = FloatVector.zero(S);
            for (int p = 0, wi = j; p < k; p++, wi += np) a0 = FloatVector.broadcast(S, x[xi + p]).fma(FloatVector.fromArray(S, wt, wi), a0);
            a0.intoArray(y, yi + j);
        }
    }

    /** Scalar reference of {@link #forward}: the same chains with Math.fma, then the epilogue. */
    public static void reference(int m, int k, int np, float[] x, int xOff, int ldx, float[] wt, Epilogue e, float[] y, int yOff, int ldy) {
        for (int r = 0; r < m; r++)
            for (int j = 0; j < np; j++) y[yOff + r * ldy + j] = e.finish(e.affine(chain(k, np, x, xOff + r * ldx, wt, j), j));
    }

    /** Scalar reference of {@link #forwardAdd}: the layer's output as {@link #reference} rounds it, then the sum. */
    public static void referenceAdd(int m, int k, int np, float[] x, int xOff, int ldx, float[] wt, Epilogue e, float[] y, int yOff, int ldy) {
        for (int r = 0; r < m; r++)
            for (int j = 0; j < np; j++) {
                float layer = e.finish(e.affine(chain(k, np, x, xOff + r * ldx, wt, j), j));
                y[yOff + r * ldy + j] = y[yOff + r * ldy + j] + layer;
            }
    }

    private static float chain(int k, int np, float[] x, int xi, float[] wt, int j) {
        float s = 0f;
        for (int p = 0; p < k; p++) s = Math.fma(x[xi + p], wt[p * np + j], s);
        return s;
    }
}
