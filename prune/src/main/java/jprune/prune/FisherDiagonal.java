package jprune.prune;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.Losses;
import jprune.nn.autograd.Variable;
import jprune.nn.data.Batches;
import jprune.tensor.Tensor;

/**
 * The diagonal of the empirical Fisher information: F_ii = (1/N)·Σ_n (∂ℓ_n/∂w_i)², the mean over N
 * calibration samples of each sample's squared loss gradient. For a cross-entropy loss it stands in
 * for the Gauss-Newton diagonal, which is what the Hessian diagonal tends to near a minimum where
 * the model fits its data; unlike a Hutchinson estimate it is never negative and carries no
 * off-diagonal noise.
 *
 * <p>The gradients must be per sample: the square of a mini-batch's mean gradient is a different
 * quantity (opposite gradients of two samples cancel in the mean, yet both mean curvature). Each
 * sample therefore gets its own forward and backward pass, a batch of one, in evaluation mode (so
 * batch norm uses its running statistics and dropout is off).
 */
public final class FisherDiagonal {
    private FisherDiagonal() {}

    /** Per-parameter diagonals for the given weights, over every sample of the first maxBatches batches. */
    public static Map<Parameter, float[]> estimate(Module model, List<Parameter> weights, Batches batches, int maxBatches) {
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
                    model.zeroGrad();
                    Losses.crossEntropy(model.forward(Variable.constant(one)), new int[] {b.labels()[n]}, 0f).backward();
                    for (Parameter p : weights) {
                        if (p.grad() == null) continue;
                        float[] g = p.grad().data();
                        double[] s = sums.get(p);
                        for (int i = 0; i < s.length; i++) s[i] += (double) g[i] * g[i];
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
}
