package jprune.prune;

import java.util.LinkedHashMap;
import jprune.nn.Module;
import jprune.nn.Parameter;

/** The parameters pruning acts on: weights (matrices and kernels) of linear and convolution layers. */
public final class Prunable {
    private Prunable() {}

    public static LinkedHashMap<String, Parameter> weights(Module model) {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
        model.namedParameters().forEach((n, p) -> {
            if (p.kind() == Parameter.Kind.WEIGHT && p.dim() >= 2) out.put(n, p);
        });
        return out;
    }
}
