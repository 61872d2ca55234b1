package jprune.prune;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.models.TransformerBlock;

/**
 * Scores whole transformer blocks on calibration data (higher = keep):
 * <ul>
 *   <li>{@code block-influence}: 1 − the cosine similarity between a block's input and output
 *       hidden states, averaged over every token (ShortGPT's block influence): a block that barely
 *       turns its input is cheap to skip.</li>
 *   <li>{@code skip-loss}: the mean calibration loss with the block skipped (its residual branches
 *       zeroed) minus the loss of the model as it is.</li>
 * </ul>
 */
public final class BlockCriterion implements GroupCriterion {
    public enum Kind { INFLUENCE, SKIP_LOSS }

    private final Kind kind;
    private float[] scores;

    public BlockCriterion(Kind kind) {
        this.kind = kind;
    }

    @Override
    public String name() {
        return kind == Kind.INFLUENCE ? "block-influence" : "skip-loss";
    }

    @Override
    public void prepare(PruneContext ctx) {
        Module model = ctx.model();
        GroupLayer layer = ModelGroups.of(model, Structure.BLOCKS).get(0);
        scores = kind == Kind.INFLUENCE ? influence(ctx, model, layer) : skipLoss(ctx, model, layer);
    }

    private static float[] influence(PruneContext ctx, Module model, GroupLayer layer) {
        Map<String, Module> modules = model.namedModules();
        double[] sum = new double[layer.size()];
        long[] tokens = new long[layer.size()];
        List<AutoCloseable> hooks = new ArrayList<>();
        for (PruneGroup g : layer.groups()) {
            Module block = modules.get(g.dropsPrefix().substring(0, g.dropsPrefix().length() - 1));
            if (!(block instanceof TransformerBlock)) throw new IllegalStateException("no transformer block at " + g.dropsPrefix());
            int i = g.index();
            hooks.add(block.addForwardHook((m, in, out) -> {
                float[] a = in.value().data(), b = out.value().data();
                int d = in.value().size(in.value().dim() - 1);
                for (int t = 0; t < a.length / d; t++) {
                    double ab = 0, aa = 0, bb = 0;
                    for (int k = t * d; k < (t + 1) * d; k++) {
                        ab += (double) a[k] * b[k];
                        aa += (double) a[k] * a[k];
                        bb += (double) b[k] * b[k];
                    }
                    sum[i] += 1 - (aa == 0 || bb == 0 ? 1 : ab / Math.sqrt(aa * bb));
                    tokens[i]++;
                }
            }));
        }
        try {
            CalibrationPasses.forEach(ctx, b -> CalibrationPasses.loss(model, b));
        } finally {
            for (AutoCloseable h : hooks) {
                try {
                    h.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        float[] s = new float[layer.size()];
        for (int i = 0; i < s.length; i++) s[i] = tokens[i] == 0 ? 0f : (float) (sum[i] / tokens[i]);
        return s;
    }

    private static float[] skipLoss(PruneContext ctx, Module model, GroupLayer layer) {
        double base = meanLoss(ctx, model);
        Map<String, Parameter> params = model.namedParameters();
        float[] s = new float[layer.size()];
        for (PruneGroup g : layer.groups()) {
            Map<Parameter, float[]> saved = new HashMap<>();
            for (GroupSlice sl : g.slices()) {
                Parameter p = params.get(sl.tensor());
                if (p == null || !sl.output()) continue;
                saved.put(p, p.value().data().clone());
                java.util.Arrays.fill(p.value().data(), 0f);
            }
            try {
                s[g.index()] = (float) (meanLoss(ctx, model) - base);
            } finally {
                saved.forEach((p, v) -> System.arraycopy(v, 0, p.value().data(), 0, v.length));
            }
        }
        return s;
    }

    private static double meanLoss(PruneContext ctx, Module model) {
        double[] sum = {0};
        int n = CalibrationPasses.forEach(ctx, b -> sum[0] += CalibrationPasses.loss(model, b));
        if (n == 0) throw new IllegalArgumentException("skip-loss criterion: no calibration batches");
        return sum[0] / n;
    }

    @Override
    public float[] scoreGroups(GroupLayer layer, Map<String, Parameter> params) {
        if (layer.structure() != Structure.BLOCKS)
            throw new IllegalArgumentException("criterion '" + name() + "' scores whole blocks; use it with granularity blocks");
        if (scores == null || scores.length != layer.size()) throw new IllegalStateException(name() + " criterion: call prepare first");
        return scores.clone();
    }
}
