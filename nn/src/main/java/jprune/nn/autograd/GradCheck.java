package jprune.nn.autograd;

import java.util.List;
import java.util.function.Function;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;

/**
 * Finite-difference gradient check. The function's output is reduced to a scalar with fixed random
 * weights (so every output element's gradient matters), the analytic gradient of each input is
 * compared with central differences, and the worst mismatch is reported.
 */
public final class GradCheck {
    private GradCheck() {}

    /** Largest |analytic − numeric| / (atol + rtol·|numeric|) over all input elements; ≤ 1 passes. */
    public static double worstRatio(Function<List<Variable>, Variable> f, List<Tensor> inputs,
                                    double eps, double rtol, double atol, long seed) {
        Variable probe = f.apply(leaves(inputs, false));
        Tensor weights = Tensor.uniform(new Rng(seed), -1f, 1f, probe.shape());

        List<Variable> vars = leaves(inputs, true);
        Variable out = f.apply(vars);
        Reductions.sum(Arithmetic.mul(out, Variable.constant(weights))).backward();

        double worst = 0;
        for (int t = 0; t < inputs.size(); t++) {
            float[] x = inputs.get(t).data();
            Tensor g = vars.get(t).grad();
            for (int i = 0; i < x.length; i++) {
                float saved = x[i];
                x[i] = (float) (saved + eps);
                double up = weighted(f, inputs, weights);
                x[i] = (float) (saved - eps);
                double down = weighted(f, inputs, weights);
                x[i] = saved;
                double numeric = (up - down) / (2 * eps);
                double analytic = g == null ? 0 : g.data()[i];
                worst = Math.max(worst, Math.abs(analytic - numeric) / (atol + rtol * Math.abs(numeric)));
            }
        }
        return worst;
    }

    private static double weighted(Function<List<Variable>, Variable> f, List<Tensor> inputs, Tensor weights) {
        try (var g = GradMode.noGrad()) {
            float[] y = f.apply(leaves(inputs, false)).value().data();
            double s = 0;
            for (int i = 0; i < y.length; i++) s += (double) y[i] * weights.data()[i];
            return s;
        }
    }

    private static List<Variable> leaves(List<Tensor> inputs, boolean requiresGrad) {
        return inputs.stream().map(t -> Variable.leaf(t, requiresGrad)).toList();
    }
}
