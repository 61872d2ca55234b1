package jprune.prune;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;

/**
 * Group scores from calibration gradients, accumulated batch by batch.
 * <ul>
 *   <li>{@code taylor}: the first-order Taylor estimate of the loss change when the group is removed,
 *       (Σ w·∂L/∂w over all of the group's parameter slices)², averaged over batches (Molchanov et
 *       al., 2019).</li>
 *   <li>{@code gate}: |∂L/∂ξ| for a gate ξ = 1 multiplying the group's output, averaged over batches
 *       (Michel et al., 2019, for heads). The gate's gradient is Σ w·∂L/∂w over the slices that read
 *       the output (a head's columns of the output projection), so no gate needs to be inserted.</li>
 * </ul>
 */
public final class GroupGradientCriterion implements GroupCriterion {
    /** Which sum over the group's slices is accumulated, and how. */
    public enum Kind { TAYLOR, GATE }

    private final Kind kind;
    private final Structure structure;
    private final Map<String, float[]> scores = new HashMap<>();

    public GroupGradientCriterion(Kind kind, Structure structure) {
        this.kind = kind;
        this.structure = structure;
    }

    @Override
    public String name() {
        return kind == Kind.TAYLOR ? "taylor" : "gate";
    }

    @Override
    public void prepare(PruneContext ctx) {
        scores.clear();
        Module model = ctx.model();
        List<GroupLayer> layers = ModelGroups.of(model, structure);
        Map<String, Parameter> params = model.namedParameters();
        for (GroupLayer l : layers) scores.put(l.name(), new float[l.size()]);
        List<float[]> acc = layers.stream().map(l -> scores.get(l.name())).toList();
        int batches = CalibrationPasses.forEach(ctx, b -> {
            CalibrationPasses.lossAndGradients(model, b);
            accumulate(kind, layers, params, acc);
        });
        if (batches == 0) throw new IllegalArgumentException(name() + " criterion: no calibration batches");
        for (float[] s : scores.values()) for (int i = 0; i < s.length; i++) s[i] /= batches;
    }

    /**
     * Adds one batch's scores, from the gradients now held by params, to acc (one array per layer,
     * indexed by group): (Σ w·g)² over all of a group's slices for Taylor, |Σ w·g| over its output
     * slices for the gate. Language models call this with their own calibration loop.
     */
    public static void accumulate(Kind kind, List<GroupLayer> layers, Map<String, Parameter> params, List<float[]> acc) {
        for (int l = 0; l < layers.size(); l++) {
            float[] a = acc.get(l);
            for (PruneGroup g : layers.get(l).groups()) {
                double s = weightTimesGradient(kind, g, params);
                a[g.index()] += (float) (kind == Kind.TAYLOR ? s * s : Math.abs(s));
            }
        }
    }

    /** Σ w·g over the group's slices: all of them for Taylor, the output slices for the gate. */
    private static double weightTimesGradient(Kind kind, PruneGroup g, Map<String, Parameter> params) {
        double[] sum = {0};
        for (GroupSlice s : g.slices()) {
            if (kind == Kind.GATE && !s.output()) continue;
            Parameter p = params.get(s.tensor());
            if (p == null || p.grad() == null) continue;
            float[] w = p.value().data(), grad = p.grad().data();
            GroupSlices.forEach(p.shape(), s, i -> sum[0] += (double) w[i] * grad[i]);
        }
        return sum[0];
    }

    @Override
    public float[] scoreGroups(GroupLayer layer, Map<String, Parameter> params) {
        float[] s = scores.get(layer.name());
        if (s == null || s.length != layer.size())
            throw new IllegalStateException(name() + " criterion: no calibration scores for '" + layer.name() + "'; call prepare first");
        return s.clone();
    }

    /** Names of the layers scored (for tests). */
    List<String> layers() {
        return new ArrayList<>(scores.keySet());
    }
}
