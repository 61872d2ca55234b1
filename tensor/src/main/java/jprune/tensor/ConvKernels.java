package jprune.tensor;

/**
 * 2-D convolution by im2col and GEMM, forward and backward. Images are split over threads in
 * coarse chunks; each chunk has its own column buffer and its own partial weight gradient, summed
 * in chunk order, so results repeat exactly for a given thread count. GEMMs inside a chunk run on
 * the chunk's thread; with a single image the GEMMs themselves use all threads.
 */
public final class ConvKernels {
    private ConvKernels() {}

    /** y [N, OC, OH, OW] = conv(x [N, C, H, W], w [OC, C, kH, kW]) + bias (nullable). */
    public static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        check("x", x, g.inputSize());
        check("w", w, g.weightSize());
        check("y", y, g.outputSize());
        if (bias != null) check("bias", bias, g.outChannels());
        int k = g.colRows(), cols = g.colCols(), oc = g.outChannels();
        int inImage = g.inChannels() * g.inH() * g.inW(), outImage = oc * cols;
        Parallel.forRange(g.batch(), 1, (chunk, from, to) -> {
            float[] col = g.isPointwise() ? null : new float[k * cols];
            for (int n = from; n < to; n++) {
                float[] src = x;
                int srcOff = n * inImage;
                if (col != null) {
                    im2col(g, x, srcOff, col);
                    src = col;
                    srcOff = 0;
                }
                Gemm.gemm(false, false, oc, cols, k, w, 0, k, src, srcOff, cols, false, y, n * outImage, cols);
                if (bias != null) {
                    for (int o = 0; o < oc; o++) Elementwise.binaryScalar(Elementwise.Op.ADD, y, n * outImage + o * cols, bias[o], y, n * outImage + o * cols, cols);
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
        int k = g.colRows(), cols = g.colCols(), oc = g.outChannels();
        int inImage = g.inChannels() * g.inH() * g.inW(), outImage = oc * cols;
        int chunks = Parallel.chunks(g.batch());
        float[][] dwPart = new float[chunks][], dbPart = new float[chunks][];
        Parallel.forRange(g.batch(), 1, (chunk, from, to) -> {
            boolean pointwise = g.isPointwise();
            float[] col = pointwise ? null : new float[k * cols];
            float[] dcol = dx == null || pointwise ? null : new float[k * cols];
            float[] dwp = dw == null ? null : (dwPart[chunk] = new float[dw.length]);
            float[] dbp = dbias == null ? null : (dbPart[chunk] = new float[oc]);
            for (int n = from; n < to; n++) {
                int yOff = n * outImage, xOff = n * inImage;
                if (dwp != null) {
                    float[] src = x;
                    int srcOff = xOff;
                    if (!pointwise) {
                        im2col(g, x, xOff, col);
                        src = col;
                        srcOff = 0;
                    }
                    Gemm.gemm(false, true, oc, k, cols, dy, yOff, cols, src, srcOff, cols, true, dwp, 0, k);
                }
                if (dbp != null) {
                    for (int o = 0; o < oc; o++) dbp[o] += Elementwise.sum(dy, yOff + o * cols, cols);
                }
                if (dx != null) {
                    if (pointwise) {
                        Gemm.gemm(true, false, k, cols, oc, w, 0, k, dy, yOff, cols, false, dx, xOff, cols);
                    } else {
                        Gemm.gemm(true, false, k, cols, oc, w, 0, k, dy, yOff, cols, false, dcol, 0, cols);
                        java.util.Arrays.fill(dx, xOff, xOff + inImage, 0f);
                        col2im(g, dcol, dx, xOff);
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
     * Unfolds one image (at xOff in x) into col [C·kH·kW, OH·OW]: row (c, i, j) holds, for every
     * output position, the input pixel under kernel tap (i, j) of channel c (0 in the padding).
     */
    public static void im2col(ConvGeometry g, float[] x, int xOff, float[] col) {
        int h = g.inH(), wd = g.inW(), oh = g.outH(), ow = g.outW();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int row = 0;
        for (int c = 0; c < g.inChannels(); c++) {
            int plane = xOff + c * h * wd;
            for (int i = 0; i < g.kernelH(); i++) {
                for (int j = 0; j < g.kernelW(); j++, row++) {
                    int dst = row * oh * ow;
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
                            System.arraycopy(x, srcRow + oxFrom, col, dst + oxFrom, oxTo - oxFrom);
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
    public static void col2im(ConvGeometry g, float[] col, float[] dx, int xOff) {
        int h = g.inH(), wd = g.inW(), oh = g.outH(), ow = g.outW();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int row = 0;
        for (int c = 0; c < g.inChannels(); c++) {
            int plane = xOff + c * h * wd;
            for (int i = 0; i < g.kernelH(); i++) {
                for (int j = 0; j < g.kernelW(); j++, row++) {
                    int src = row * oh * ow;
                    int oxFrom = Math.max(0, ceilDiv(pw - j, sw)), oxTo = Math.min(ow, ceilDiv(wd + pw - j, sw));
                    for (int oy = 0; oy < oh; oy++, src += ow) {
                        int iy = oy * sh - ph + i;
                        if (iy < 0 || iy >= h || oxFrom >= oxTo) continue;
                        int dstRow = plane + iy * wd - pw + j;
                        if (sw == 1) {
                            Elementwise.axpy(1f, col, src + oxFrom, dx, dstRow + oxFrom, oxTo - oxFrom);
                        } else {
                            for (int ox = oxFrom; ox < oxTo; ox++) dx[dstRow + ox * sw] += col[src + ox];
                        }
                    }
                }
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    static void check(String name, float[] a, int expected) {
        if (a.length != expected) throw new IllegalArgumentException("convolution: " + name + " has " + a.length + " elements, geometry needs " + expected);
    }
}
