package jprune.prune;

import jprune.nn.Parameter;
import jprune.tensor.Tensor;

/**
 * Scores the importance of each weight of a parameter: higher means keep. A new criterion is one
 * new class implementing this interface. Criteria that need data (gradients, activations) gather
 * it in {@link #prepare} before any {@link #score} call.
 */
public interface Criterion {
    /** A short name for metrics and help texts ("magnitude", "random", "taylor"). */
    String name();

    /** Gathers whatever statistics the criterion needs; the default needs none. */
    default void prepare(PruneContext context) {}

    /** Called after every fine-tuning step, gradients still in place; criteria that accumulate during training (movement) use it. */
    default void afterStep(jprune.nn.Module model) {}

    /** Importance scores with the parameter's shape. Already-pruned entries are ignored by the caller. */
    Tensor score(String name, Parameter p);
}
