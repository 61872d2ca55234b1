package jprune.tensor;

/** Sizes of a 2-D convolution over NCHW input with an [outChannels, inChannels, kH, kW] weight. */
public record ConvGeometry(int batch, int inChannels, int inH, int inW, int outChannels, int kernelH, int kernelW,
                           int strideH, int strideW, int padH, int padW) {
    public ConvGeometry {
        positive("batch", batch);
        positive("inChannels", inChannels);
        positive("inH", inH);
        positive("inW", inW);
        positive("outChannels", outChannels);
        positive("kernelH", kernelH);
        positive("kernelW", kernelW);
        positive("strideH", strideH);
        positive("strideW", strideW);
        if (padH < 0 || padW < 0) throw new IllegalArgumentException("convolution padding must be >= 0, got " + padH + "×" + padW);
        if (inH + 2 * padH < kernelH || inW + 2 * padW < kernelW)
            throw new IllegalArgumentException("convolution kernel " + kernelH + "×" + kernelW + " is larger than the padded input "
                    + (inH + 2 * padH) + "×" + (inW + 2 * padW));
    }

    private static void positive(String name, int v) {
        if (v < 1) throw new IllegalArgumentException("convolution " + name + " must be >= 1, got " + v);
    }

    public int outH() {
        return (inH + 2 * padH - kernelH) / strideH + 1;
    }

    public int outW() {
        return (inW + 2 * padW - kernelW) / strideW + 1;
    }

    /** Rows of the im2col matrix: inChannels·kH·kW. */
    public int colRows() {
        return inChannels * kernelH * kernelW;
    }

    /** Columns of the im2col matrix: outH·outW. */
    public int colCols() {
        return outH() * outW();
    }

    public int inputSize() {
        return batch * inChannels * inH * inW;
    }

    public int outputSize() {
        return batch * outChannels * outH() * outW();
    }

    public int weightSize() {
        return outChannels * colRows();
    }
}
