package jprune.deploy;

import jprune.deploy.format.WeightMatrix;
import jprune.nn.Module;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.nn.infer.SparseLayer;
import jprune.tensor.ConvGeometry;
import jprune.tensor.ConvKernels;
import jprune.tensor.Shape;
import jprune.tensor.Tensor;

/**
 * Inference-only 2-D convolution from a {@link WeightMatrix} (rows = output channels, cols =
 * inChannels·k·k): groups of images are unfolded by im2col into one feature-major column matrix,
 * which is exactly the batched product's input, so every stored weight meets a long contiguous run.
 */
public final class SparseConv2d extends Module implements SparseLayer {
    /** Column-matrix size (floats) a group of images is unfolded into at most: a few MiB, cache-friendly. */
    private static final int GROUP_COL_FLOATS = 1 << 20;

    private final WeightMatrix weight;
    private final float[] bias;
    private final int inChannels, kernel, stride, padding;

    public SparseConv2d(WeightMatrix weight, float[] bias, int inChannels, int kernel, int stride, int padding) {
        if (weight.cols() != inChannels * kernel * kernel)
            throw new IllegalArgumentException("convolution weight has " + weight.cols() + " columns, expected " + inChannels + "·" + kernel + "·" + kernel);
        if (bias != null && bias.length != weight.rows())
            throw new IllegalArgumentException("bias has " + bias.length + " entries for " + weight.rows() + " output channels");
        this.weight = weight;
        this.bias = bias;
        this.inChannels = inChannels;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    public WeightMatrix weight() {
        return weight;
    }

    @Override
    public long nonzeros() {
        return weight.nonzeros();
    }

    /** A copy of the bias, or null when the layer has none. */
    public float[] bias() {
        return bias == null ? null : bias.clone();
    }

    @Override
    protected Variable compute(Variable x) {
        if (GradMode.isEnabled() && isTraining()) throw new IllegalStateException("SparseConv2d is inference-only: call it in no-grad mode");
        Tensor in = x.value();
        if (in.dim() != 4 || in.size(1) != inChannels)
            throw new IllegalArgumentException("convolution expects [N, " + inChannels + ", H, W], got " + Shape.str(in.shape()));
        int n = in.size(0), oc = weight.rows();
        ConvGeometry g = new ConvGeometry(n, inChannels, in.size(2), in.size(3), oc, kernel, kernel, stride, stride, padding, padding);
        int k = g.colRows(), hw = g.colCols(), inImage = inChannels * g.inH() * g.inW();
        int group = Math.max(1, Math.min(n, GROUP_COL_FLOATS / Math.max(1, k * hw)));
        float[] xd = in.data(), y = new float[n * oc * hw];
        float[] col = new float[k * group * hw], out = new float[oc * group * hw];
        for (int n0 = 0; n0 < n; n0 += group) {
            int gn = Math.min(group, n - n0), ld = gn * hw;
            for (int i = 0; i < gn; i++) ConvKernels.im2col(g, xd, (n0 + i) * inImage, col, i * hw, ld);
            // The last group may be shorter: the kernels take exactly cols × batch and rows × batch floats.
            boolean full = gn == group;
            float[] c = full ? col : java.util.Arrays.copyOf(col, k * ld), o = full ? out : new float[oc * ld];
            if (ld == 1) weight.multiplyVector(c, o);
            else weight.multiplyBatch(c, ld, o);
            for (int i = 0; i < gn; i++)
                for (int ch = 0; ch < oc; ch++) {
                    float add = bias == null ? 0f : bias[ch];
                    int src = ch * ld + i * hw, dst = ((n0 + i) * oc + ch) * hw;
                    for (int p = 0; p < hw; p++) y[dst + p] = o[src + p] + add;
                }
        }
        return Variable.constant(Tensor.of(y, n, oc, g.outH(), g.outW()));
    }
}
