package jprune.tensor;

import java.util.Arrays;

/**
 * Max and average pooling over NCHW planes, forward and backward. Planes (image, channel) are
 * independent, so large inputs split over threads by plane.
 */
public final class PoolKernels {
    private static final int PARALLEL_MIN_PLANES = 64;

    private PoolKernels() {}

    /** y = max over each window; argmax receives the flat index into x of each chosen element (first on ties). */
    public static void maxForward(PoolGeometry g, float[] x, float[] y, int[] argmax) {
        check(g, x.length, y.length);
        if (argmax.length != y.length) throw new IllegalArgumentException("pooling: argmax has " + argmax.length + " entries, output has " + y.length);
        int planes = g.batch() * g.channels(), oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        if (g.kernelH() == 2 && g.kernelW() == 2 && g.strideH() == 2 && g.strideW() == 2 && g.padH() == 0 && g.padW() == 0) {
            Parallel.forRange(planes, PARALLEL_MIN_PLANES, (c, from, to) -> max2x2(x, y, argmax, from, to, h, w, oh, ow));
            return;
        }
        Parallel.forRange(planes, PARALLEL_MIN_PLANES, (c, from, to) -> {
            for (int p = from; p < to; p++) {
                int in = p * h * w, out = p * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = Math.max(0, oy * g.strideH() - g.padH()), y1 = Math.min(h, oy * g.strideH() - g.padH() + g.kernelH());
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = Math.max(0, ox * g.strideW() - g.padW()), x1 = Math.min(w, ox * g.strideW() - g.padW() + g.kernelW());
                        float best = Float.NEGATIVE_INFINITY;
                        int bestIdx = in + y0 * w + x0;
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                int idx = in + iy * w + ix;
                                float v = x[idx];
                                // Greater wins, ties keep the first, and a NaN sticks (as in PyTorch).
                                if (v > best || v != v) {
                                    best = v;
                                    bestIdx = idx;
                                }
                            }
                        }
                        y[out + oy * ow + ox] = best;
                        argmax[out + oy * ow + ox] = bestIdx;
                    }
                }
            }
        });
    }

    /** The common 2×2, stride-2, unpadded window: no bounds arithmetic, same tie and NaN rules. */
    private static void max2x2(float[] x, float[] y, int[] argmax, int from, int to, int h, int w, int oh, int ow) {
        for (int p = from; p < to; p++) {
            int in = p * h * w, out = p * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int r0 = in + 2 * oy * w, o = out + oy * ow;
                for (int ox = 0; ox < ow; ox++) {
                    int i = r0 + 2 * ox;
                    // A tournament of single comparisons the JIT turns into conditional moves: window
                    // values are random, so branches would mispredict. Ties keep the earlier element;
                    // Math.max propagates NaN.
                    float a = x[i], b = x[i + 1], c = x[i + w], d = x[i + w + 1];
                    int top = b > a ? i + 1 : i, bottom = d > c ? i + w + 1 : i + w;
                    float topMax = Math.max(a, b), bottomMax = Math.max(c, d);
                    int bi = bottomMax > topMax ? bottom : top;
                    float best = Math.max(topMax, bottomMax);
                    y[o + ox] = best;
                    argmax[o + ox] = bi;
                }
            }
        }
    }

    /** dx (overwritten) receives each dy at its window's argmax. */
    public static void maxBackward(PoolGeometry g, float[] dy, int[] argmax, float[] dx) {
        check(g, dx.length, dy.length);
        Arrays.fill(dx, 0f);
        for (int i = 0; i < dy.length; i++) dx[argmax[i]] += dy[i];
    }

    /** y = window mean, padding counted in the divisor (PyTorch's count_include_pad=True). */
    public static void avgForward(PoolGeometry g, float[] x, float[] y) {
        check(g, x.length, y.length);
        int planes = g.batch() * g.channels(), oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        float inv = 1f / (g.kernelH() * g.kernelW());
        Parallel.forRange(planes, PARALLEL_MIN_PLANES, (c, from, to) -> {
            for (int p = from; p < to; p++) {
                int in = p * h * w, out = p * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = Math.max(0, oy * g.strideH() - g.padH()), y1 = Math.min(h, oy * g.strideH() - g.padH() + g.kernelH());
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = Math.max(0, ox * g.strideW() - g.padW()), x1 = Math.min(w, ox * g.strideW() - g.padW() + g.kernelW());
                        float s = 0;
                        for (int iy = y0; iy < y1; iy++) for (int ix = x0; ix < x1; ix++) s += x[in + iy * w + ix];
                        y[out + oy * ow + ox] = s * inv;
                    }
                }
            }
        });
    }

    /** dx (overwritten): each dy spread evenly over its window. */
    public static void avgBackward(PoolGeometry g, float[] dy, float[] dx) {
        check(g, dx.length, dy.length);
        Arrays.fill(dx, 0f);
        int planes = g.batch() * g.channels(), oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        float inv = 1f / (g.kernelH() * g.kernelW());
        Parallel.forRange(planes, PARALLEL_MIN_PLANES, (c, from, to) -> {
            for (int p = from; p < to; p++) {
                int in = p * h * w, out = p * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = Math.max(0, oy * g.strideH() - g.padH()), y1 = Math.min(h, oy * g.strideH() - g.padH() + g.kernelH());
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = Math.max(0, ox * g.strideW() - g.padW()), x1 = Math.min(w, ox * g.strideW() - g.padW() + g.kernelW());
                        float d = dy[out + oy * ow + ox] * inv;
                        for (int iy = y0; iy < y1; iy++) for (int ix = x0; ix < x1; ix++) dx[in + iy * w + ix] += d;
                    }
                }
            }
        });
    }

    /** [N, C, H·W] → [N, C] means. */
    public static void globalAvgForward(float[] x, int n, int c, int hw, float[] y) {
        for (int p = 0; p < n * c; p++) y[p] = Elementwise.sum(x, p * hw, hw) / hw;
    }

    /** dx (overwritten) = dy / hw broadcast over each plane. */
    public static void globalAvgBackward(float[] dy, int n, int c, int hw, float[] dx) {
        for (int p = 0; p < n * c; p++) Arrays.fill(dx, p * hw, (p + 1) * hw, dy[p] / hw);
    }

    private static void check(PoolGeometry g, int inLen, int outLen) {
        if (inLen != g.inputSize() || outLen != g.outputSize())
            throw new IllegalArgumentException("pooling: arrays of " + inLen + " and " + outLen + " elements, geometry needs "
                    + g.inputSize() + " and " + g.outputSize());
    }
}
