package jprune.lm.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * SparseGPT against a plain double-precision transcription of the algorithm (explicit inverse, the
 * Cholesky factor of the inverse, no lazy batching): the blocked fp32 version must pick the same
 * weights and land on the same values. The independent golden cases live in LayerPruningGoldenTest.
 */
class SparseGptPrunerTest {

    @Test
    void factorTimesHessianIsTheIdentity() {
        int n = 300;
        double[] h = spd(n, new SplittableRandom(3));
        float[] u = HessianFactor.upperCholeskyOfInverse(h, n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) assertEquals(0f, u[i * n + j], "U is upper triangular");
            assertTrue(u[i * n + i] > 0);
        }
        // (UᵀU)·H = I
        double[] inv = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k <= Math.min(i, j); k++) s += (double) u[k * n + i] * u[k * n + j];
                inv[i * n + j] = s;
            }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) s += inv[i * n + k] * h[k * n + j];
                worst = Math.max(worst, Math.abs(s - (i == j ? 1 : 0)));
            }
        assertTrue(worst < 1e-3, "max |UᵀU·H − I| = " + worst);
    }

    @Test
    void matchesTheUnblockedDoubleAlgorithm() {
        for (SparsityPattern p : new SparsityPattern[] {SparsityPattern.unstructured(0.5), SparsityPattern.unstructured(0.7),
                SparsityPattern.nOfM(2, 4), SparsityPattern.nOfM(4, 8)}) {
            for (int block : new int[] {128, 32}) {
                int out = 24, in = 256, tokens = 400;
                SplittableRandom rnd = new SplittableRandom(11);
                float[] w = new float[out * in];
                for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
                float[] x = new float[tokens * in];
                for (int t = 0; t < tokens; t++)
                    for (int j = 0; j < in; j++) x[t * in + j] = (float) (rnd.nextGaussian() * (1 + (j % 7)) + (j % 3 == 0 ? 0.5 : 0));
                InputStatistics stats = new InputStatistics(in, true);
                stats.add(x, tokens / 2);
                float[] second = java.util.Arrays.copyOfRange(x, (tokens / 2) * in, tokens * in);
                stats.add(second, tokens - tokens / 2);
                double[] expected = reference(w, out, in, stats.hessian(), p, block);
                float[] got = w.clone();
                SparseGptPruner.prune(got, out, in, SparseGptPruner.factor(stats, 0.01), p, block);
                int maskDiffs = 0;
                double worst = 0, scale = 0;
                for (int i = 0; i < got.length; i++) {
                    if ((got[i] == 0) != (expected[i] == 0)) maskDiffs++;
                    worst = Math.max(worst, Math.abs(got[i] - expected[i]));
                    scale = Math.max(scale, Math.abs(expected[i]));
                }
                assertEquals(0, maskDiffs, p + " block " + block + ": mask differences");
                assertTrue(worst <= 1e-4 * scale, p + " block " + block + ": max difference " + worst + " of " + scale);
                long zeros = 0;
                for (float v : got) if (v == 0) zeros++;
                long perBlock = 0;
                for (int i1 = 0; i1 < in; i1 += block) perBlock += p.isNofM() ? (long) out * Math.min(block, in - i1) * (p.m() - p.n()) / p.m()
                        : (long) Math.floor(p.sparsity() * out * Math.min(block, in - i1));
                assertEquals(perBlock, zeros, p + " block " + block + ": zeros (floor(s·rows·columns) per block)");
            }
        }
    }

    static double[] spd(int n, SplittableRandom rnd) {
        double[] a = new double[n * 2 * n];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextGaussian();
        double[] h = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < 2 * n; k++) s += a[i * 2 * n + k] * a[j * 2 * n + k];
                h[i * n + j] = s / n + (i == j ? 0.1 : 0);
            }
        return h;
    }

    /** The algorithm as written in the paper, in double: dampen, invert, factor the inverse, prune column by column. */
    static double[] reference(float[] w0, int out, int in, double[] h0, SparsityPattern p, int block) {
        double[] h = h0.clone();
        double[] w = new double[w0.length];
        for (int i = 0; i < w.length; i++) w[i] = w0[i];
        double mean = 0;
        for (int j = 0; j < in; j++) {
            if (h[j * in + j] == 0) {
                h[j * in + j] = 1;
                for (int r = 0; r < out; r++) w[r * in + j] = 0;
            }
            mean += h[j * in + j];
        }
        for (int j = 0; j < in; j++) h[j * in + j] += 0.01 * mean / in;
        double[] inv = invert(h, in);
        double[] u = upperCholesky(inv, in);
        for (int i1 = 0; i1 < in; i1 += block) {
            int i2 = Math.min(in, i1 + block), count = i2 - i1;
            boolean[] mask = new boolean[out * count];
            if (!p.isNofM()) {
                float[] s = new float[out * count];
                for (int r = 0; r < out; r++)
                    for (int c = 0; c < count; c++) {
                        double d = u[(i1 + c) * in + i1 + c];
                        s[r * count + c] = (float) (w[r * in + i1 + c] * w[r * in + i1 + c] / (d * d));
                    }
                SmallestFirst.mark(s, s.length, (int) Math.floor(p.sparsity() * out * count), mask, 0);
            }
            for (int c = 0; c < count; c++) {
                int i = i1 + c;
                if (p.isNofM() && c % p.m() == 0) {
                    for (int r = 0; r < out; r++) {
                        float[] s = new float[p.m()];
                        for (int g = 0; g < p.m(); g++) {
                            double d = u[(i + g) * in + i + g];
                            s[g] = (float) (w[r * in + i + g] * w[r * in + i + g] / (d * d));
                        }
                        SmallestFirst.markGroups(s, 0, p.m(), p.n(), p.m(), mask, r * count + c);
                    }
                }
                for (int r = 0; r < out; r++) {
                    double wi = w[r * in + i], q = mask[r * count + c] ? 0 : wi, err = (wi - q) / u[i * in + i];
                    for (int j = i; j < in; j++) w[r * in + j] -= err * u[i * in + j];
                    w[r * in + i] = q;
                }
            }
        }
        return w;
    }

    static double[] invert(double[] a0, int n) {
        double[] a = a0.clone(), x = new double[n * n];
        for (int i = 0; i < n; i++) x[i * n + i] = 1;
        for (int c = 0; c < n; c++) {
            double piv = a[c * n + c];
            for (int j = 0; j < n; j++) {
                a[c * n + j] /= piv;
                x[c * n + j] /= piv;
            }
            for (int r = 0; r < n; r++) {
                if (r == c) continue;
                double f = a[r * n + c];
                if (f == 0) continue;
                for (int j = 0; j < n; j++) {
                    a[r * n + j] -= f * a[c * n + j];
                    x[r * n + j] -= f * x[c * n + j];
                }
            }
        }
        return x;
    }

    /** U upper with a = UᵀU. */
    static double[] upperCholesky(double[] a, int n) {
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++) {
            double s = a[i * n + i];
            for (int k = 0; k < i; k++) s -= u[k * n + i] * u[k * n + i];
            u[i * n + i] = Math.sqrt(s);
            for (int j = i + 1; j < n; j++) {
                double v = a[i * n + j];
                for (int k = 0; k < i; k++) v -= u[k * n + i] * u[k * n + j];
                u[i * n + j] = v / u[i * n + i];
            }
        }
        return u;
    }
}
