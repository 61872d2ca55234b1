package jprune.deploy;

import jprune.deploy.format.WeightMatrix;
import jprune.nn.Module;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.nn.infer.FlatLayer;
import jprune.nn.infer.InferencePlan;
import jprune.nn.infer.Scratch;
import jprune.tensor.Tensor;

/**
 * Inference-only linear layer computing y = W·x + b from a {@link WeightMatrix} in any format. A
 * batch is turned feature-major for the product and back (cheap next to the product itself); one
 * sample goes straight through the matrix-vector kernel. Inside an {@link InferencePlan} it runs as
 * a {@link FlatLayer}, on buffers kept between calls.
 */
public final class SparseLinear extends Module implements FlatLayer {
    private final WeightMatrix weight;
    private final float[] bias;

    /** @param bias one float per output, or null */
    public SparseLinear(WeightMatrix weight, float[] bias) {
        if (bias != null && bias.length != weight.rows())
            throw new IllegalArgumentException("bias has " + bias.length + " entries for " + weight.rows() + " outputs");
        this.weight = weight;
        this.bias = bias;
    }

    public WeightMatrix weight() {
        return weight;
    }

    @Override
    public int inFeatures() {
        return weight.cols();
    }

    @Override
    public int outFeatures() {
        return weight.rows();
    }

    @Override
    public long work() {
        return weight.nonzeros();
    }

    /** Dense fp32 weights run with the plan's dense kernel (int8 ones keep their own). */
    @Override
    public float[] denseWeight() {
        return weight.format().equals("dense") ? weight.toDense() : null;
    }

    @Override
    public float[] bias() {
        return bias == null ? null : bias.clone();
    }

    /**
     * The same products as {@link #compute}, with the sample-major rows of the plan's buffers moved
     * into and out of the kernels' arrays (the kernels take whole arrays from index 0).
     */
    @Override
    public void infer(int m, float[] x, int xOff, int ldx, float[] y, int yOff, int ldy, Scratch scratch) {
        int cols = weight.cols(), rows = weight.rows();
        float[] xt = scratch.floats(0, cols * m), yt = scratch.floats(1, rows * m);
        if (m == 1) {
            System.arraycopy(x, xOff, xt, 0, cols);
            weight.multiplyVector(xt, yt);
        } else {
            for (int b = 0; b < m; b++)
                for (int c = 0, xi = xOff + b * ldx; c < cols; c++) xt[c * m + b] = x[xi + c];
            weight.multiplyBatch(xt, m, yt);
        }
        for (int b = 0; b < m; b++) {
            int yi = yOff + b * ldy;
            for (int r = 0; r < rows; r++) y[yi + r] = yt[r * m + b] + (bias == null ? 0f : bias[r]);
        }
    }

    @Override
    protected Variable compute(Variable x) {
        if (GradMode.isEnabled() && isTraining()) throw new IllegalStateException("SparseLinear is inference-only: call it in no-grad mode");
        Tensor in = x.value();
        int cols = weight.cols(), rows = weight.rows();
        if (in.numel() % cols != 0 || in.shape()[in.dim() - 1] != cols)
            throw new IllegalArgumentException("linear layer expects inputs of width " + cols + ", got shape " + jprune.tensor.Shape.str(in.shape()));
        int batch = in.numel() / cols;
        float[] xd = in.data(), y = new float[batch * rows];
        if (batch == 1) {
            weight.multiplyVector(xd, y);
            if (bias != null) for (int r = 0; r < rows; r++) y[r] += bias[r];
        } else {
            float[] xt = FeatureMajor.transpose(xd, batch, cols), yt = new float[rows * batch];
            weight.multiplyBatch(xt, batch, yt);
            FeatureMajor.transposeAddingBias(yt, rows, batch, bias, y);
        }
        int[] shape = in.shape().clone();
        shape[shape.length - 1] = rows;
        return Variable.constant(Tensor.of(y, shape));
    }
}
