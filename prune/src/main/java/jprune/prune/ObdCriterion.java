package jprune.prune;

import java.util.ArrayList;
import java.util.Map;
import jprune.nn.Parameter;
import jprune.nn.data.Batches;
import jprune.tensor.Tensor;

/**
 * Optimal Brain Damage (LeCun et al. 1990): the saliency ½·h_ii·w², the loss increase a second-order
 * expansion predicts from removing weight i at a minimum. By default h_ii is the Gauss-Newton
 * diagonal ({@link FisherDiagonal} with the model's own predicted labels, from per-sample gradients
 * over the calibration batches). The empirical Fisher (the data's labels) and Hutchinson's estimate
 * of the Hessian diagonal itself ({@link HessianDiagonal}) are options; on lenet-300-100 both rank
 * weights worse (README, sweep), Hutchinson's because off-diagonal noise dominates its estimate.
 */
public final class ObdCriterion implements Criterion {
    /** Where h_ii comes from; the name is the criterion's name. */
    public enum Curvature {
        /** Gauss-Newton diagonal: per-sample gradients at every class, weighted by the model's probabilities. */
        GAUSS_NEWTON("obd"),
        /** Empirical Fisher diagonal: squared per-sample gradients at the data's labels. */
        EMPIRICAL_FISHER("obd-fisher"),
        /** Hutchinson's estimate of the Hessian diagonal with finite-difference Hessian-vector products. */
        HUTCHINSON("obd-hutchinson");

        private final String criterionName;

        Curvature(String criterionName) {
            this.criterionName = criterionName;
        }

        /** The criterion name this curvature goes by ("obd", "obd-fisher", "obd-hutchinson"). */
        public String criterionName() {
            return criterionName;
        }
    }

    /** Hutchinson probes per calibration batch; each costs two forward-backward passes. */
    static final int PROBES_PER_BATCH = 2;
    static final double EPS = 1e-3;
    private final Curvature curvature;
    private Map<Parameter, float[]> hessian;

    /** OBD with the Gauss-Newton diagonal. */
    public ObdCriterion() {
        this(Curvature.GAUSS_NEWTON);
    }

    public ObdCriterion(Curvature curvature) {
        this.curvature = curvature;
    }

    @Override
    public String name() {
        return curvature.criterionName;
    }

    @Override
    public void prepare(PruneContext ctx) {
        var weights = new ArrayList<>(Prunable.weights(ctx.model()).values());
        Batches batches = new Batches(ctx.calibration(), ctx.batchSize(), true, ctx.seed(), true);
        hessian = switch (curvature) {
            case GAUSS_NEWTON -> FisherDiagonal.estimate(ctx.model(), weights, batches, ctx.calibrationBatches(), FisherDiagonal.Labels.MODEL);
            case EMPIRICAL_FISHER -> FisherDiagonal.estimate(ctx.model(), weights, batches, ctx.calibrationBatches(), FisherDiagonal.Labels.DATA);
            case HUTCHINSON -> HessianDiagonal.estimate(ctx.model(), weights, batches, ctx.calibrationBatches(), PROBES_PER_BATCH, EPS, ctx.seed());
        };
    }

    @Override
    public Tensor score(String name, Parameter p) {
        float[] h = hessian == null ? null : hessian.get(p);
        if (h == null) throw new IllegalStateException(name() + " criterion: no curvature estimate for '" + name + "'; call prepare first");
        float[] w = p.value().data();
        Tensor s = Tensor.zeros(p.shape());
        float[] d = s.data();
        for (int i = 0; i < w.length; i++) d[i] = 0.5f * h[i] * w[i] * w[i];
        return s;
    }
}
