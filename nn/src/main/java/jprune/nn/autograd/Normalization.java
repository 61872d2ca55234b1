package jprune.nn.autograd;

import jprune.tensor.BatchNormKernels;
import jprune.tensor.LayerNormKernels;
import jprune.tensor.Shape;
import jprune.tensor.Tensor;

/** Differentiable layer norm and batch norm. */
public final class Normalization {
    private Normalization() {}

    /** Layer norm over the last dimension; gamma and beta (length = last dim) may be null. */
    public static Variable layerNorm(Variable x, Variable gamma, Variable beta, float eps) {
        int cols = x.size(-1), rows = x.numel() / Math.max(1, cols);
        float[] xd = x.value().data();
        float[] gd = gamma == null ? null : gamma.value().data(), bd = beta == null ? null : beta.value().data();
        Tensor out = Tensor.zeros(x.shape());
        float[] mean = new float[rows], rstd = new float[rows];
        LayerNormKernels.forward(xd, gd, bd, out.data(), mean, rstd, rows, cols, eps);
        return Variable.result("layer_norm", out, g -> {
            Tensor gx = Tensor.zeros(x.shape());
            float[] dgamma = gamma != null && gamma.requiresGrad() ? gamma.gradBuffer() : null;
            float[] dbeta = beta != null && beta.requiresGrad() ? beta.gradBuffer() : null;
            LayerNormKernels.backward(xd, gd, mean, rstd, g.data(), gx.data(), dgamma, dbeta, rows, cols);
            x.accumulateGradOwned(gx);
        }, x, gamma, beta);
    }

    /**
     * Layer norm over the listed features of the last dimension only: mean and variance come from
     * those features, the others' outputs (and gradients) are zero. This is what a layer norm whose
     * other features were removed computes, in the same order, so a model with a pruned residual
     * width gives bit for bit what its compacted form gives.
     */
    public static Variable layerNormOver(Variable x, Variable gamma, Variable beta, float eps, int[] features) {
        int cols = x.size(-1), rows = x.numel() / Math.max(1, cols), k = features.length;
        float[] xs = gatherColumns(x.value().data(), rows, cols, features);
        float[] gs = gatherColumns(gamma.value().data(), 1, cols, features), bs = gatherColumns(beta.value().data(), 1, cols, features);
        float[] ys = new float[rows * k], mean = new float[rows], rstd = new float[rows];
        LayerNormKernels.forward(xs, gs, bs, ys, mean, rstd, rows, k, eps);
        Tensor out = Tensor.zeros(x.shape());
        scatterColumns(ys, rows, cols, features, out.data());
        return Variable.result("layer_norm_over", out, g -> {
            float[] dxs = new float[rows * k];
            float[] dgs = gamma.requiresGrad() ? new float[k] : null, dbs = beta.requiresGrad() ? new float[k] : null;
            LayerNormKernels.backward(xs, gs, mean, rstd, gatherColumns(g.data(), rows, cols, features), dxs, dgs, dbs, rows, k);
            Tensor gx = Tensor.zeros(x.shape());
            scatterColumns(dxs, rows, cols, features, gx.data());
            x.accumulateGradOwned(gx);
            if (dgs != null) addColumns(dgs, features, gamma.gradBuffer());
            if (dbs != null) addColumns(dbs, features, beta.gradBuffer());
        }, x, gamma, beta);
    }

    private static float[] gatherColumns(float[] a, int rows, int cols, int[] features) {
        float[] out = new float[rows * features.length];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < features.length; j++) out[r * features.length + j] = a[r * cols + features[j]];
        return out;
    }

    private static void scatterColumns(float[] a, int rows, int cols, int[] features, float[] out) {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < features.length; j++) out[r * cols + features[j]] = a[r * features.length + j];
    }

    private static void addColumns(float[] a, int[] features, float[] out) {
        for (int j = 0; j < features.length; j++) out[features[j]] += a[j];
    }

    /**
     * Batch norm over [N, C, ...] (per channel C). In training mode it normalises with batch
     * statistics and updates the running ones (PyTorch's momentum convention, unbiased running
     * variance); in evaluation mode it uses the running statistics and records no batch state.
     */
    public static Variable batchNorm(Variable x, Variable gamma, Variable beta, Tensor runningMean, Tensor runningVar,
                                     boolean training, float momentum, float eps) {
        int[] s = x.shape();
        if (s.length < 2) throw new IllegalArgumentException("batch norm expects [N, C, ...], got " + Shape.str(s));
        int n = s[0], c = s[1], hw = x.numel() / Math.max(1, n * c);
        float[] xd = x.value().data(), gd = gamma.value().data(), bd = beta.value().data();
        Tensor out = Tensor.zeros(s);
        if (!training) {
            BatchNormKernels.forwardEval(xd, n, c, hw, gd, bd, runningMean.data(), runningVar.data(), eps, out.data());
            return Variable.result("batch_norm_eval", out, g -> evalBackward(x, gamma, beta, runningMean, runningVar, eps, g, n, c, hw), x, gamma, beta);
        }
        float[] mean = new float[c], var = new float[c], invStd = new float[c];
        BatchNormKernels.forwardTrain(xd, n, c, hw, gd, bd, eps, out.data(), mean, var, invStd);
        float[] rm = runningMean.data(), rv = runningVar.data();
        int count = n * hw;
        float unbias = count > 1 ? (float) count / (count - 1) : 1f;
        for (int i = 0; i < c; i++) {
            rm[i] = (1 - momentum) * rm[i] + momentum * mean[i];
            rv[i] = (1 - momentum) * rv[i] + momentum * var[i] * unbias;
        }
        return Variable.result("batch_norm", out, g -> {
            Tensor gx = Tensor.zeros(s);
            BatchNormKernels.backward(xd, n, c, hw, gd, mean, invStd, g.data(), gx.data(), gamma.gradBuffer(), beta.gradBuffer());
            x.accumulateGradOwned(gx);
        }, x, gamma, beta);
    }

    /** Evaluation-mode batch norm is affine per channel: y = γ·(x−μ)/σ + β. */
    private static void evalBackward(Variable x, Variable gamma, Variable beta, Tensor runningMean, Tensor runningVar,
                                     float eps, Tensor g, int n, int c, int hw) {
        float[] gd = g.data(), xd = x.value().data(), gam = gamma.value().data();
        float[] rm = runningMean.data(), rv = runningVar.data();
        Tensor gx = Tensor.zeros(x.shape());
        float[] gxd = gx.data();
        float[] dg = gamma.requiresGrad() ? gamma.gradBuffer() : null, db = beta.requiresGrad() ? beta.gradBuffer() : null;
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                float inv = (float) (1 / Math.sqrt(rv[ch] + eps));
                int off = (b * c + ch) * hw;
                double sg = 0, sgx = 0;
                for (int i = 0; i < hw; i++) {
                    gxd[off + i] = gd[off + i] * gam[ch] * inv;
                    sg += gd[off + i];
                    sgx += gd[off + i] * (xd[off + i] - rm[ch]) * inv;
                }
                if (db != null) db[ch] += (float) sg;
                if (dg != null) dg[ch] += (float) sgx;
            }
        }
        x.accumulateGradOwned(gx);
    }
}
