package jprune.prune;

import java.util.Map;
import jprune.nn.Parameter;
import jprune.tensor.Tensor;

/**
 * A criterion that scores whole groups (heads, neurons, blocks, channels) rather than single
 * weights: higher means keep. {@link GroupPruner} asks it for one score per group of a layer;
 * criteria that only score weights are averaged over each group's own weights instead.
 */
public interface GroupCriterion extends Criterion {
    /** One score per group of the layer, in the layer's order. */
    float[] scoreGroups(GroupLayer layer, Map<String, Parameter> params);

    @Override
    default Tensor score(String name, Parameter p) {
        throw new UnsupportedOperationException("criterion '" + name() + "' scores whole groups (heads, neurons, blocks, channels), not single weights");
    }
}
