package jprune.prune;

import java.util.ArrayList;
import java.util.Map;
import jprune.nn.Parameter;
import jprune.nn.data.Batches;
import jprune.tensor.Tensor;

/**
 * Optimal Brain Damage (LeCun et al. 1990): the saliency ½·h_ii·w², the loss increase a second-order
 * expansion predicts from removing weight i at a minimum. h_ii comes from {@link HessianDiagonal}
 * (Hutchinson's estimator with finite-difference Hessian-vector products) over calibration batches.
 */
public final class ObdCriterion implements Criterion {
    /** Probes per calibration batch; each costs two forward-backward passes. */
    static final int PROBES_PER_BATCH = 2;
    static final double EPS = 1e-3;
    private Map<Parameter, float[]> hessian;

    @Override
    public String name() {
        return "obd";
    }

    @Override
    public void prepare(PruneContext ctx) {
        var weights = new ArrayList<>(Prunable.weights(ctx.model()).values());
        Batches batches = new Batches(ctx.calibration(), ctx.batchSize(), true, ctx.seed(), true);
        hessian = HessianDiagonal.estimate(ctx.model(), weights, batches, ctx.calibrationBatches(), PROBES_PER_BATCH, EPS, ctx.seed());
    }

    @Override
    public Tensor score(String name, Parameter p) {
        float[] h = hessian == null ? null : hessian.get(p);
        if (h == null) throw new IllegalStateException("obd criterion: no Hessian estimate for '" + name + "'; call prepare first");
        float[] w = p.value().data();
        Tensor s = Tensor.zeros(p.shape());
        float[] d = s.data();
        for (int i = 0; i < w.length; i++) d[i] = 0.5f * h[i] * w[i] * w[i];
        return s;
    }
}
