package jprune.prune;

import java.util.IdentityHashMap;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.tensor.Tensor;

/**
 * Movement pruning (Sanh et al. 2020): S = −Σ_t w·∂L/∂w accumulated over fine-tuning steps; weights
 * moving away from zero score high, weights shrinking toward it score low. Scores exist only once
 * fine-tuning has run, so this criterion pairs with the gradual (agp) schedule.
 */
public final class MovementCriterion implements Criterion {
    private final Map<Parameter, float[]> scores = new IdentityHashMap<>();
    private int steps;

    @Override
    public String name() {
        return "movement";
    }

    @Override
    public void afterStep(Module model) {
        for (Parameter p : Prunable.weights(model).values()) {
            if (p.grad() == null) continue;
            float[] w = p.value().data(), g = p.grad().data();
            float[] s = scores.computeIfAbsent(p, k -> new float[w.length]);
            for (int i = 0; i < w.length; i++) s[i] -= w[i] * g[i];
        }
        steps++;
    }

    /** Fine-tuning steps observed so far. */
    public int steps() {
        return steps;
    }

    @Override
    public Tensor score(String name, Parameter p) {
        float[] s = scores.get(p);
        // Before any step every weight has moved equally (not at all): all scores are zero.
        return s == null ? Tensor.zeros(p.shape()) : Tensor.of(s.clone(), p.shape());
    }
}
