package jprune.prune;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Losses;
import jprune.nn.autograd.Variable;
import jprune.nn.data.Batches;
import jprune.tensor.Tensor;

/**
 * The diagonal of a Fisher information matrix from per-sample gradients of the cross-entropy loss,
 * averaged over N calibration samples, in one of two forms:
 * <ul>
 *   <li>{@link Labels#MODEL}: F_ii = (1/N)·Σ_n Σ_c p_nc·(∂ℓ(x_n, c)/∂w_i)², the expectation over the
 *   model's own predicted distribution p_n. For softmax cross-entropy this is exactly the diagonal of
 *   the Gauss-Newton matrix JᵀAJ (A = diag(p) − ppᵀ, the loss Hessian in the logits), the positive
 *   part of the Hessian, and equals the Hessian's diagonal for the weights of a last linear layer.
 *   One backward pass per sample and class.</li>
 *   <li>{@link Labels#DATA}: the empirical Fisher, F_ii = (1/N)·Σ_n (∂ℓ(x_n, y_n)/∂w_i)² with the
 *   data's labels. One backward pass per sample, but a cruder stand-in for curvature: samples the
 *   model already fits contribute almost nothing.</li>
 * </ul>
 * Either is never negative and carries no off-diagonal noise, unlike a Hutchinson estimate.
 *
 * <p>The gradients must be per sample: the square of a mini-batch's mean gradient is a different
 * quantity (opposite gradients of two samples cancel in the mean, yet both mean curvature). Each
 * sample therefore gets its own forward and backward passes, a batch of one, in evaluation mode (so
 * batch norm uses its running statistics and dropout is off).
 */
public final class FisherDiagonal {
    /** Which labels the per-sample gradients are taken at. */
    public enum Labels {
        /** Every class, weighted by the model's predicted probability: the Gauss-Newton diagonal. */
        MODEL,
        /** The data's labels: the empirical Fisher. */
        DATA
    }

    private FisherDiagonal() {}

    /** Per-parameter diagonals for the given weights, over every sample of the first maxBatches batches. */
    public static Map<Parameter, float[]> estimate(Module model, List<Parameter> weights, Batches batches, int maxBatches, Labels labels) {
        if (maxBatches < 1) throw new IllegalArgumentException("the Fisher diagonal needs >= 1 calibration batch, got " + maxBatches);
        Map<Parameter, double[]> sums = new IdentityHashMap<>();
        for (Parameter p : weights) sums.put(p, new double[p.numel()]);
        boolean wasTraining = model.isTraining();
        model.train(false);
        long samples = 0;
        int seen = 0;
        try {
            for (Batches.Batch b : batches.epoch(0)) {
                if (seen++ >= maxBatches) break;
                float[] x = b.x().data();
                int[] shape = b.x().shape().clone();
                int size = x.length / b.size();
                shape[0] = 1;
                for (int n = 0; n < b.size(); n++) {
                    Tensor one = Tensor.of(Arrays.copyOfRange(x, n * size, (n + 1) * size), shape);
                    if (labels == Labels.DATA) {
                        accumulate(model, weights, sums, one, b.labels()[n], 1.0);
                    } else {
                        double[] p = predict(model, one);
                        for (int c = 0; c < p.length; c++) accumulate(model, weights, sums, one, c, p[c]);
                    }
                    samples++;
                }
            }
        } finally {
            model.zeroGrad();
            model.train(wasTraining);
        }
        Map<Parameter, float[]> out = new IdentityHashMap<>();
        for (Parameter p : weights) {
            double[] s = sums.get(p);
            float[] f = new float[s.length];
            for (int i = 0; i < s.length; i++) f[i] = (float) (s[i] / Math.max(1, samples));
            out.put(p, f);
        }
        return out;
    }

    /** The model's predicted distribution for one sample (softmax of its logits), without a graph. */
    private static double[] predict(Module model, Tensor x) {
        float[] logits;
        try (var g = GradMode.noGrad()) {
            logits = model.forward(Variable.constant(x)).value().data();
        }
        double max = Double.NEGATIVE_INFINITY, z = 0;
        for (float v : logits) max = Math.max(max, v);
        double[] p = new double[logits.length];
        for (int c = 0; c < p.length; c++) z += p[c] = Math.exp(logits[c] - max);
        for (int c = 0; c < p.length; c++) p[c] /= z;
        return p;
    }

    /** One forward and backward pass of the sample at label c; adds weight·g² to the sums. */
    private static void accumulate(Module model, List<Parameter> weights, Map<Parameter, double[]> sums, Tensor x, int c, double weight) {
        model.zeroGrad();
        Losses.crossEntropy(model.forward(Variable.constant(x)), new int[] {c}, 0f).backward();
        for (Parameter p : weights) {
            if (p.grad() == null) continue;
            float[] g = p.grad().data();
            double[] s = sums.get(p);
            for (int i = 0; i < s.length; i++) s[i] += weight * g[i] * g[i];
        }
    }
}
