package jprune.prune;

import java.util.IdentityHashMap;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.Losses;
import jprune.nn.autograd.Variable;
import jprune.nn.data.Batches;
import jprune.tensor.Tensor;

/**
 * First-order Taylor importance |w·∂L/∂w| (Molchanov et al.), with the per-batch products
 * accumulated over calibration batches: the estimated loss change from removing the weight.
 */
public final class TaylorCriterion implements Criterion {
    private final Map<Parameter, float[]> scores = new IdentityHashMap<>();

    @Override
    public String name() {
        return "taylor";
    }

    @Override
    public void prepare(PruneContext ctx) {
        scores.clear();
        Module model = ctx.model();
        boolean wasTraining = model.isTraining();
        model.train(false);
        Batches batches = new Batches(ctx.calibration(), ctx.batchSize(), true, ctx.seed(), true);
        int seen = 0;
        for (Batches.Batch b : batches.epoch(0)) {
            if (seen++ >= ctx.calibrationBatches()) break;
            model.zeroGrad();
            Losses.crossEntropy(model.forward(Variable.constant(b.x())), b.labels(), 0f).backward();
            for (Parameter p : model.parameters()) {
                if (p.kind() != Parameter.Kind.WEIGHT || p.grad() == null) continue;
                float[] w = p.value().data(), g = p.grad().data();
                float[] acc = scores.computeIfAbsent(p, k -> new float[w.length]);
                for (int i = 0; i < w.length; i++) acc[i] += Math.abs(w[i] * g[i]);
            }
        }
        model.zeroGrad();
        model.train(wasTraining);
    }

    @Override
    public Tensor score(String name, Parameter p) {
        float[] s = scores.get(p);
        if (s == null) throw new IllegalStateException("taylor criterion: no calibration gradients for '" + name + "'; call prepare first");
        return Tensor.of(s.clone(), p.shape());
    }
}
