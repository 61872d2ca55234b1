package jprune.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import jprune.deploy.format.WeightFormats;
import jprune.deploy.format.WeightMatrix;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.nn.infer.InferencePlan;
import jprune.nn.models.Models;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

class SparseLinearPlanTest {
    /** lenet-300-100 with 90% of each weight zeroed at random, its layers swapped for sparse ones. */
    static Module compressed(String[] formats, long seed) {
        Module m = Models.build(Models.defaultConfig("lenet-300-100"), seed);
        Rng rng = new Rng(seed + 1);
        Map<String, WeightMatrix> weights = new LinkedHashMap<>();
        int i = 0;
        for (var e : m.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (p.kind() != Parameter.Kind.WEIGHT) continue;
            float[] w = p.value().data();
            for (int j = 0; j < w.length; j++) if (rng.nextFloat() < 0.9f) w[j] = 0f;
            int rows = p.shape()[0], cols = p.shape()[1];
            weights.put(e.getKey(), WeightFormats.encode(formats[i++ % formats.length], w, rows, cols, i % 2 == 0));
        }
        return SparseSurgery.apply(m, weights);
    }

    @Test
    void aCompressedModelRunsInAPlanAsItRunsAlone() {
        for (String[] formats : new String[][] {{"csr", "bitmask", "dense"}, {"sell", "sell", "dense"}}) runsAsAlone(formats);
    }

    private static void runsAsAlone(String[] formats) {
        Module m = compressed(formats, 3);
        InferencePlan plan = InferencePlan.compile(m, 1, 28, 28);
        // Sparse layers run their own kernels; a dense one runs as the plan's linear kernel.
        assertTrue(plan.toString().contains("SparseLinear 784→300 + relu") && plan.toString().contains("SparseLinear (dense) 100→10"), plan.toString());
        for (int batch : new int[] {1, 7, 64}) {
            Tensor x = Tensor.uniform(new Rng(batch), 0f, 1f, batch, 1, 28, 28);
            float[] expected, got = plan.forward(x).data();
            try (var g = GradMode.noGrad()) {
                expected = m.forward(Variable.constant(x)).value().data();
            }
            // A batch's dense product is the same GEMM chain; one sample's goes through another
            // matrix-vector kernel (lane sums), equal within rounding.
            if (batch > 1) assertArrayEquals(expected, got, "batch " + batch);
            for (int i = 0; i < got.length; i++) assertEquals(expected[i], got[i], 1e-5 + 1e-5 * Math.abs(expected[i]), "batch " + batch);
        }
    }
}
