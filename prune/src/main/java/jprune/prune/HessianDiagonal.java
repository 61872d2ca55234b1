package jprune.prune;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.Losses;
import jprune.nn.autograd.Variable;
import jprune.nn.data.Batches;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;

/**
 * Estimates the diagonal of the loss Hessian with respect to the weights by Hutchinson's method:
 * diag(H) = E[z ⊙ Hz] for Rademacher vectors z (entries ±1). Each Hessian-vector product is a
 * central difference of gradients, Hz ≈ (∇L(w + εz) − ∇L(w − εz)) / 2ε, so no second-order autograd
 * is needed; the estimator averages one probe per calibration batch (or more, see probesPerBatch).
 */
public final class HessianDiagonal {
    private HessianDiagonal() {}

    /** Per-parameter diagonal estimates for the given weights. */
    public static Map<Parameter, float[]> estimate(Module model, List<Parameter> weights, Batches batches, int maxBatches,
                                                   int probesPerBatch, double eps, long seed) {
        Map<Parameter, float[]> diag = new IdentityHashMap<>();
        for (Parameter p : weights) diag.put(p, new float[p.numel()]);
        boolean wasTraining = model.isTraining();
        model.train(false);
        Rng rng = new Rng(seed);
        int probes = 0, seen = 0;
        for (Batches.Batch b : batches.epoch(0)) {
            if (seen++ >= maxBatches) break;
            for (int probe = 0; probe < probesPerBatch; probe++) {
                Map<Parameter, float[]> z = new IdentityHashMap<>();
                for (Parameter p : weights) {
                    float[] v = new float[p.numel()];
                    for (int i = 0; i < v.length; i++) v[i] = rng.nextInt(2) == 0 ? -1f : 1f;
                    z.put(p, v);
                }
                Map<Parameter, float[]> plus = gradientAt(model, weights, z, (float) eps, b);
                Map<Parameter, float[]> minus = gradientAt(model, weights, z, (float) -eps, b);
                for (Parameter p : weights) {
                    float[] d = diag.get(p), zp = z.get(p), gp = plus.get(p), gm = minus.get(p);
                    for (int i = 0; i < d.length; i++) d[i] += zp[i] * (float) ((gp[i] - gm[i]) / (2 * eps));
                }
                probes++;
            }
        }
        for (float[] d : diag.values()) for (int i = 0; i < d.length; i++) d[i] /= Math.max(1, probes);
        model.zeroGrad();
        model.train(wasTraining);
        return diag;
    }

    /**
     * ∇L at w + step·z on one batch, leaving the weights exactly as they were: they are copied before
     * the shift and copied back after it, since subtracting the step again would not undo the
     * addition in float arithmetic (it changes a few percent of the weights by an ulp per probe).
     */
    private static Map<Parameter, float[]> gradientAt(Module model, List<Parameter> weights, Map<Parameter, float[]> z, float step, Batches.Batch b) {
        Map<Parameter, float[]> saved = new IdentityHashMap<>();
        for (Parameter p : weights) saved.put(p, p.value().data().clone());
        try {
            for (Parameter p : weights) shift(p, z.get(p), step);
            model.zeroGrad();
            Losses.crossEntropy(model.forward(Variable.constant(b.x())), b.labels(), 0f).backward();
            Map<Parameter, float[]> g = new IdentityHashMap<>();
            for (Parameter p : weights) g.put(p, p.grad() == null ? new float[p.numel()] : p.grad().data().clone());
            return g;
        } finally {
            for (Parameter p : weights) {
                float[] w = saved.get(p);
                System.arraycopy(w, 0, p.value().data(), 0, w.length);
            }
        }
    }

    private static void shift(Parameter p, float[] z, float step) {
        float[] w = p.value().data();
        for (int i = 0; i < w.length; i++) w[i] += step * z[i];
    }

    /** Exact diagonal by central differences of the gradient along each coordinate, for tests on tiny models. */
    public static float[] exactByCoordinates(Module model, Parameter p, Batches.Batch b, double eps) {
        float[] w = p.value().data(), out = new float[w.length];
        boolean wasTraining = model.isTraining();
        model.train(false);
        for (int i = 0; i < w.length; i++) {
            float saved = w[i];
            w[i] = (float) (saved + eps);
            float up = gradient(model, p, b)[i];
            w[i] = (float) (saved - eps);
            float down = gradient(model, p, b)[i];
            w[i] = saved;
            out[i] = (float) ((up - down) / (2 * eps));
        }
        model.zeroGrad();
        model.train(wasTraining);
        return out;
    }

    private static float[] gradient(Module model, Parameter p, Batches.Batch b) {
        model.zeroGrad();
        Losses.crossEntropy(model.forward(Variable.constant(b.x())), b.labels(), 0f).backward();
        Tensor g = p.grad();
        return g.data().clone();
    }
}
