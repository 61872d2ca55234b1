package jprune.tensor;

/** Sizes of a 2-D pooling over NCHW input (floor mode, as PyTorch's default). */
public record PoolGeometry(int batch, int channels, int inH, int inW, int kernelH, int kernelW,
                           int strideH, int strideW, int padH, int padW) {
    public PoolGeometry {
        if (batch < 1 || channels < 1 || inH < 1 || inW < 1 || kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1)
            throw new IllegalArgumentException("pooling sizes must be >= 1: batch " + batch + ", channels " + channels + ", input "
                    + inH + "×" + inW + ", kernel " + kernelH + "×" + kernelW + ", stride " + strideH + "×" + strideW);
        if (padH < 0 || padW < 0 || 2 * padH > kernelH || 2 * padW > kernelW)
            throw new IllegalArgumentException("pooling padding must be in [0, kernel/2], got " + padH + "×" + padW + " for kernel " + kernelH + "×" + kernelW);
        if (inH + 2 * padH < kernelH || inW + 2 * padW < kernelW)
            throw new IllegalArgumentException("pooling kernel " + kernelH + "×" + kernelW + " is larger than the padded input " + (inH + 2 * padH) + "×" + (inW + 2 * padW));
    }

    public int outH() {
        return (inH + 2 * padH - kernelH) / strideH + 1;
    }

    public int outW() {
        return (inW + 2 * padW - kernelW) / strideW + 1;
    }

    public int inputSize() {
        return batch * channels * inH * inW;
    }

    public int outputSize() {
        return batch * channels * outH() * outW();
    }
}
