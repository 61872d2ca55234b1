package jprune.prune;

import jprune.nn.Parameter;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;

/** Uniform random scores from a seed: the baseline every real criterion must beat. */
public final class RandomCriterion implements Criterion {
    private final long seed;

    public RandomCriterion(long seed) {
        this.seed = seed;
    }

    @Override
    public String name() {
        return "random";
    }

    @Override
    public Tensor score(String name, Parameter p) {
        // Seeded per parameter name, so a layer's scores do not depend on which layers came before.
        return Tensor.uniform(new Rng(seed ^ name.hashCode() * 0x9E3779B97F4A7C15L), 0f, 1f, p.shape());
    }
}
