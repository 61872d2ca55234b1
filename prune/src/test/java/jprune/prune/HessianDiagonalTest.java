package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.data.Batches;
import jprune.nn.data.DataSplit;
import jprune.nn.layers.Flatten;
import jprune.nn.layers.Linear;
import jprune.nn.layers.Sequential;
import jprune.nn.layers.Tanh;
import jprune.nn.models.Models;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

class HessianDiagonalTest {
    @Test
    void hutchinsonEstimateMatchesTheExactDiagonalOfATinyNetwork() {
        Rng rng = new Rng(4);
        Sequential net = new Sequential(new Flatten(), new Linear(784, 6, true, rng), new Tanh(), new Linear(6, 10, true, rng));
        DataSplit data = PruneRunTest.synthetic(32, 9);
        Batches batches = new Batches(data, 32, false, 0, true);
        Batches.Batch batch = batches.epoch(0).iterator().next();
        Parameter w2 = (Parameter) net.namedParameters().get("3.weight");
        // Exact: central differences of the gradient along every coordinate of the 10×6 output layer.
        float[] exact = HessianDiagonal.exactByCoordinates(net, w2, batch, 1e-2);
        // Estimate: many Rademacher probes on that same (first, unshuffled) batch.
        Map<Parameter, float[]> est = HessianDiagonal.estimate(net, List.of(w2), batches, 1, 2000, 1e-2, 3);
        float[] e = est.get(w2);
        double err = 0, norm = 0;
        for (int i = 0; i < exact.length; i++) {
            err += (e[i] - exact[i]) * (e[i] - exact[i]);
            norm += exact[i] * exact[i];
        }
        assertTrue(norm > 0);
        assertTrue(Math.sqrt(err / norm) < 0.15, "relative error " + Math.sqrt(err / norm));
    }

    @Test
    void estimatingLeavesTheModelBitIdentical() {
        Module net = Models.build(Models.defaultConfig("lenet-300-100"), 6);
        Map<String, Tensor> before = LotteryTicket.snapshot(net);
        Batches batches = new Batches(PruneRunTest.synthetic(64, 5), 32, true, 1, true);
        HessianDiagonal.estimate(net, List.copyOf(Prunable.weights(net).values()), batches, 2, 2, 1e-3, 8);
        net.stateDict().forEach((name, t) -> {
            float[] a = before.get(name).data(), b = t.data();
            for (int i = 0; i < a.length; i++)
                assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), name + "[" + i + "] changed by scoring");
        });
    }
}
