package jprune.prune;

import jprune.nn.Parameter;
import jprune.tensor.Tensor;

/**
 * |w| (L1) or w² (L2). For single weights both rank alike; they differ once scores are summed over
 * groups (structured pruning), where L2 gives the group's squared Euclidean norm.
 */
public final class MagnitudeCriterion implements Criterion {
    private final boolean l2;

    public MagnitudeCriterion(boolean l2) {
        this.l2 = l2;
    }

    @Override
    public String name() {
        return l2 ? "magnitude-l2" : "magnitude";
    }

    @Override
    public Tensor score(String name, Parameter p) {
        float[] w = p.value().data();
        Tensor s = Tensor.zeros(p.shape());
        float[] d = s.data();
        for (int i = 0; i < w.length; i++) d[i] = l2 ? w[i] * w[i] : Math.abs(w[i]);
        return s;
    }
}
