package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * 2-D convolution by im2col and GEMM, forward and backward. Images are split over threads in
 * coarse chunks; within a chunk, small groups of images are unfolded side by side so one GEMM with
 * a long N dimension serves the group (per-image GEMMs of LeNet's 6×25×784 shapes would spend their
 * time packing). Each chunk has its own buffers and its own partial weight gradient, summed in chunk
 * order, so results repeat exactly for a given thread count. GEMMs inside a chunk run on the chunk's
 * thread; with a single chunk the GEMMs themselves use all threads.
 */
public final class ConvKernels {
    private static final VectorSpecies<Float> S = VectorPolicy.FLOATS;
    private ConvKernels() {}

    /** Target size (floats) of a group's column matrix: big enough for efficient GEMMs, small enough for L2. */
    private static final int GROUP_COL_FLOATS = 1 << 17;

    /** Images unfolded side by side into one column matrix, so that one GEMM serves the group. */
    static int groupSize(ConvGeometry g) {
        return Math.max(1, Math.min(g.batch(), GROUP_COL_FLOATS / Math.max(1, g.colRows() * g.colCols())));
    }

    /** y [N, OC, OH, OW] = conv(x [N, C, H, W], w [OC, C, kH, kW]) + bias (nullable). */
    public static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        check("x", x, g.inputSize());
        check("w", w, g.weightSize());
        check("y", y, g.outputSize());
        if (bias != null) check("bias", bias, g.outChannels());
        int k = g.colRows(), hw = g.colCols(), oc = g.outChannels(), group = groupSize(g);
        int inImage = g.inChannels() * g.inH() * g.inW(), outImage = oc * hw;
        Parallel.forRange(g.batch(), 1, (chunk, from, to) -> {
            float[] col = new float[k * group * hw], out = new float[oc * group * hw];
            for (int n0 = from; n0 < to; n0 += group) {
                int gn = Math.min(group, to - n0), ld = gn * hw;
                for (int i = 0; i < gn; i++) im2col(g, x, (n0 + i) * inImage, col, i * hw, ld);
                Gemm.gemm(false, false, oc, ld, k, w, 0, k, col, 0, ld, false, out, 0, ld);
                // out is [OC, images·HW]; y wants [images, OC, HW].
                for (int i = 0; i < gn; i++) {
                    for (int o = 0; o < oc; o++) {
                        int dst = (n0 + i) * outImage + o * hw;
                        if (bias == null) System.arraycopy(out, o * ld + i * hw, y, dst, hw);
                        else Elementwise.binaryScalar(Elementwise.Op.ADD, out, o * ld + i * hw, bias[o], y, dst, hw);
                    }
                }
            }
        });
    }

    /**
     * Gradients from dy: dx (nullable) is overwritten; dw and dbias (nullable) are accumulated into.
     */
    public static void backward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] dbias) {
        check("x", x, g.inputSize());
        check("w", w, g.weightSize());
        check("dy", dy, g.outputSize());
        if (dx != null) check("dx", dx, g.inputSize());
        if (dw != null) check("dw", dw, g.weightSize());
        if (dbias != null) check("dbias", dbias, g.outChannels());
        int k = g.colRows(), hw = g.colCols(), oc = g.outChannels(), group = groupSize(g);
        int inImage = g.inChannels() * g.inH() * g.inW(), outImage = oc * hw;
        int chunks = Parallel.chunks(g.batch());
        float[][] dwPart = new float[chunks][], dbPart = new float[chunks][];
        Parallel.forRange(g.batch(), 1, (chunk, from, to) -> {
            float[] col = dw == null ? null : new float[k * group * hw];
            float[] dcol = dx == null ? null : new float[k * group * hw];
            float[] dyg = new float[oc * group * hw];
            float[] dwp = dw == null ? null : (dwPart[chunk] = new float[dw.length]);
            float[] dbp = dbias == null ? null : (dbPart[chunk] = new float[oc]);
            for (int n0 = from; n0 < to; n0 += group) {
                int gn = Math.min(group, to - n0), ld = gn * hw;
                // Gather the group's output gradient as [OC, images·HW], the layout of the forward GEMM.
                for (int i = 0; i < gn; i++)
                    for (int o = 0; o < oc; o++) System.arraycopy(dy, (n0 + i) * outImage + o * hw, dyg, o * ld + i * hw, hw);
                if (dbp != null) for (int o = 0; o < oc; o++) dbp[o] += Elementwise.sum(dyg, o * ld, ld);
                if (dwp != null) {
                    for (int i = 0; i < gn; i++) im2col(g, x, (n0 + i) * inImage, col, i * hw, ld);
                    Gemm.gemm(false, true, oc, k, ld, dyg, 0, ld, col, 0, ld, true, dwp, 0, k);
                }
                if (dcol != null) {
                    Gemm.gemm(true, false, k, ld, oc, w, 0, k, dyg, 0, ld, false, dcol, 0, ld);
                    for (int i = 0; i < gn; i++) {
                        int xOff = (n0 + i) * inImage;
                        java.util.Arrays.fill(dx, xOff, xOff + inImage, 0f);
                        col2im(g, dcol, i * hw, ld, dx, xOff);
                    }
                }
            }
        });
        for (int c = 0; c < chunks; c++) {
            if (dw != null && dwPart[c] != null) Elementwise.axpy(1f, dwPart[c], 0, dw, 0, dw.length);
            if (dbias != null && dbPart[c] != null) Elementwise.axpy(1f, dbPart[c], 0, dbias, 0, oc);
        }
    }

    /**
     * Unfolds one image (at xOff in x) into col [C·kH·kW, OH·OW] (columns starting at colOff, rows
     * ld apart): row (c, i, j) holds, for every output position, the input pixel under kernel tap
     * (i, j) of channel c (0 in the padding).
     */
    public static void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff, int ld) {
        int h = g.inH(), wd = g.inW(), oh = g.outH(), ow = g.outW();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int row = 0;
        for (int c = 0; c < g.inChannels(); c++) {
            int plane = xOff + c * h * wd;
            for (int i = 0; i < g.kernelH(); i++) {
                for (int j = 0; j < g.kernelW(); j++, row++) {
                    int dst = colOff + row * ld;
                    // Output columns whose input column iw = ox·sw − pw + j lies inside [0, wd).
                    int oxFrom = ceilDiv(pw - j, sw), oxTo = Math.min(ow, ceilDiv(wd + pw - j, sw));
                    oxFrom = Math.max(0, oxFrom);
                    for (int oy = 0; oy < oh; oy++, dst += ow) {
                        int iy = oy * sh - ph + i;
                        if (iy < 0 || iy >= h || oxFrom >= oxTo) {
                            java.util.Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        int srcRow = plane + iy * wd - pw + j;
                        for (int ox = 0; ox < oxFrom; ox++) col[dst + ox] = 0f;
                        if (sw == 1) {
                            copyRow(x, srcRow + oxFrom, col, dst + oxFrom, oxTo - oxFrom);
                        } else {
                            for (int ox = oxFrom; ox < oxTo; ox++) col[dst + ox] = x[srcRow + ox * sw];
                        }
                        for (int ox = oxTo; ox < ow; ox++) col[dst + ox] = 0f;
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: adds each column entry back onto its input pixel. */
    public static void col2im(ConvGeometry g, float[] col, int colOff, int ld, float[] dx, int xOff) {
        int h = g.inH(), wd = g.inW(), oh = g.outH(), ow = g.outW();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int row = 0;
        for (int c = 0; c < g.inChannels(); c++) {
            int plane = xOff + c * h * wd;
            for (int i = 0; i < g.kernelH(); i++) {
                for (int j = 0; j < g.kernelW(); j++, row++) {
                    int src = colOff + row * ld;
                    int oxFrom = Math.max(0, ceilDiv(pw - j, sw)), oxTo = Math.min(ow, ceilDiv(wd + pw - j, sw));
                    for (int oy = 0; oy < oh; oy++, src += ow) {
                        int iy = oy * sh - ph + i;
                        if (iy < 0 || iy >= h || oxFrom >= oxTo) continue;
                        int dstRow = plane + iy * wd - pw + j;
                        if (sw == 1) addRow(col, src + oxFrom, dx, dstRow + oxFrom, oxTo - oxFrom);
                        else for (int ox = oxFrom; ox < oxTo; ox++) dx[dstRow + ox * sw] += col[src + ox];
                    }
                }
            }
        }
    }

    /** dst[d..d+n) = src[s..s+n) for short rows: vector moves with a masked tail, cheaper than arraycopy's call. */
    static void copyRow(float[] src, int s, float[] dst, int d, int n) {
        if (VectorPolicy.SCALAR) {
            System.arraycopy(src, s, dst, d, n);
            return;
        }
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) FloatVector.fromArray(S, src, s + i).intoArray(dst, d + i);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, src, s + i, m).intoArray(dst, d + i, m);
        }
    }

    /**
     * dst[d..d+n) += src[s..s+n) for short rows. A plain loop: masked vector adds measured twice as
     * slow here (12 vs 5.5 µs per LeNet image), as successive rows overlap and defeat store forwarding.
     */
    static void addRow(float[] src, int s, float[] dst, int d, int n) {
        for (int i = 0; i < n; i++) dst[d + i] += src[s + i];
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    static void check(String name, float[] a, int expected) {
        if (a.length != expected) throw new IllegalArgumentException("convolution: " + name + " has " + a.length + " elements, geometry needs " + expected);
    }
}
