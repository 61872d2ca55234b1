package jprune.lm.prune;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import jprune.tensor.Gemm;
import jprune.tensor.Parallel;
import jprune.tensor.VectorPolicy;

/**
 * SparseGPT (Frantar and Alistarh, 2023): prunes the columns of W one at a time and, after each,
 * moves the error it made onto the columns not yet pruned, weighted by the inverse Hessian of the
 * layer's reconstruction loss, H = 2XXᵀ/n. With U the upper Cholesky factor of H⁻¹ (H⁻¹ = UᵀU), the
 * error of column i is (w − q)/U_ii and column j > i moves by −err·U_ij. Columns are taken in blocks
 * (128 by default): inside a block the updates are applied at once, to the rest of the matrix
 * lazily, as one product per block. The mask is chosen per block from the weights as they are
 * then, by w²/U_jj² (the k = floor(s·rows·columns) smallest of the block, ties to the lower
 * row-major index), or for N:M per row and group of M columns (aligned to the block) when the
 * group's first column is reached.
 */
public final class SparseGptPruner {
    private static final VectorSpecies<Float> F = VectorPolicy.FLOATS;
    private static final int L = VectorPolicy.LANES;

    /** The default block of columns updated together. */
    public static final int DEFAULT_BLOCK = 128;
    /** The default dampening: this fraction of the mean diagonal of H is added to its diagonal. */
    public static final double DEFAULT_DAMP = 0.01;

    /** U (H⁻¹ = UᵀU, [in, in] row-major) and the dead inputs (zero on H's diagonal: never active). */
    public record Factor(float[] u, boolean[] dead) {}

    private SparseGptPruner() {}

    /** Dampens H (dead inputs get 1 on the diagonal first) and factors it. */
    public static Factor factor(InputStatistics stats, double percdamp) {
        if (!(percdamp >= 0)) throw new IllegalArgumentException("--percdamp must be >= 0, got " + percdamp);
        int n = stats.in();
        double[] h = stats.hessian();
        boolean[] dead = new boolean[n];
        double meanDiagonal = 0;
        for (int j = 0; j < n; j++) {
            if (h[j * n + j] == 0) {
                dead[j] = true;
                h[j * n + j] = 1;
            }
            meanDiagonal += h[j * n + j];
        }
        double damp = percdamp * meanDiagonal / n;
        for (int j = 0; j < n; j++) h[j * n + j] += damp;
        return new Factor(HessianFactor.upperCholeskyOfInverse(h, n), dead);
    }

    /** Prunes w ([out, in], row-major) in place. blocksize must be a multiple of M for N:M. */
    public static void prune(float[] w, int out, int in, Factor f, SparsityPattern pattern, int blocksize) {
        if (f.u().length != (long) in * in) throw new IllegalArgumentException("a factor of " + f.u().length + " entries for " + in + " inputs");
        if (blocksize < 1) throw new IllegalArgumentException("--blocksize must be >= 1, got " + blocksize);
        pattern.checkWidth("this layer", in);
        if (pattern.isNofM() && blocksize % pattern.m() != 0)
            throw new IllegalArgumentException("--blocksize " + blocksize + " must be a multiple of M = " + pattern.m());
        float[] u = f.u();
        for (int j = 0; j < in; j++) {
            if (!f.dead()[j]) continue;
            for (int r = 0; r < out; r++) w[r * in + j] = 0f;
        }
        float[] diag = new float[in];
        for (int j = 0; j < in; j++) diag[j] = u[j * in + j];
        float[] negErr = new float[out * Math.min(blocksize, in)];
        boolean[] prune = new boolean[out * Math.min(blocksize, in)];
        for (int i1 = 0; i1 < in; i1 += blocksize) {
            int i2 = Math.min(i1 + blocksize, in), count = i2 - i1;
            java.util.Arrays.fill(prune, false);
            if (!pattern.isNofM()) blockMask(w, out, in, diag, i1, count, pattern.prunedOf((long) out * count), prune);
            final int b1 = i1;
            Parallel.forRange(out, Math.max(1, 4096 / Math.max(1, count)), (c, from, to) -> {
                float[] scores = new float[Math.max(1, pattern.m())];
                for (int r = from; r < to; r++) pruneRowOfBlock(w, r, in, u, diag, b1, count, pattern, prune, scores, negErr);
            });
            int rest = in - i2;
            if (rest > 0) Gemm.gemm(false, false, out, rest, count, negErr, 0, count, u, i1 * in + i2, in, true, w, i2, in);
        }
    }

    /** The unstructured mask of the block of columns [i1, i1+count): k smallest w²/U_jj² over all its rows. */
    private static void blockMask(float[] w, int out, int in, float[] diag, int i1, int count, int k, boolean[] prune) {
        float[] scores = new float[out * count];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < count; c++) {
                float v = w[r * in + i1 + c], d = diag[i1 + c];
                scores[r * count + c] = v * v / (d * d);
            }
        }
        SmallestFirst.mark(scores, scores.length, k, prune, 0);
    }

    /** Row r through the block's columns in order: pick its N:M groups as they come, prune, spread each error along the row. */
    private static void pruneRowOfBlock(float[] w, int r, int in, float[] u, float[] diag, int i1, int count, SparsityPattern pattern,
                                        boolean[] prune, float[] scores, float[] negErr) {
        int row = r * in, m = pattern.m();
        for (int c = 0; c < count; c++) {
            int i = i1 + c;
            if (m > 0 && c % m == 0) {
                for (int g = 0; g < m; g++) {
                    float v = w[row + i + g], d = diag[i + g];
                    scores[g] = v * v / (d * d);
                }
                SmallestFirst.markGroups(scores, 0, m, pattern.n(), m, prune, r * count + c);
            }
            float wi = w[row + i];
            float q = prune[r * count + c] ? 0f : wi;
            float err = (wi - q) / diag[i];
            negErr[r * count + c] = -err;
            w[row + i] = q;
            if (err != 0) axpy(-err, u, i * in + i + 1, w, row + i + 1, count - c - 1);
        }
    }

    /** y[yOff..yOff+n) += a·x[xOff..xOff+n). */
    private static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = VectorPolicy.loopBound(n), j = 0;
        if (bound > 0) {
            FloatVector av = FloatVector.broadcast(F, a);
            for (; j < bound; j += L) {
                FloatVector.fromArray(F, x, xOff + j).fma(av, FloatVector.fromArray(F, y, yOff + j)).intoArray(y, yOff + j);
            }
        }
        for (; j < n; j++) y[yOff + j] = Math.fma(x[xOff + j], a, y[yOff + j]);
    }
}
