package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Losses;
import jprune.nn.autograd.Variable;
import jprune.nn.data.Batches;
import jprune.nn.data.DataSplit;
import jprune.nn.layers.Flatten;
import jprune.nn.layers.Linear;
import jprune.nn.layers.Sequential;
import jprune.nn.layers.Tanh;
import jprune.tensor.Rng;
import org.junit.jupiter.api.Test;

class FisherDiagonalTest {
    /** Random 2×2 single-channel images in three classes. */
    static DataSplit tiny(int n, long seed) {
        Rng rng = new Rng(seed);
        float[] img = new float[n * 4];
        int[] labels = new int[n];
        for (int i = 0; i < img.length; i++) img[i] = rng.nextFloat();
        for (int i = 0; i < n; i++) labels[i] = rng.nextInt(3);
        return new DataSplit("tiny", img, labels, n, 1, 2, 2, 3);
    }

    static double sampleLoss(Module net, Batches.Batch one) {
        try (var g = GradMode.noGrad()) {
            return Losses.crossEntropy(net.forward(Variable.constant(one.x())), one.labels(), 0f).value().item();
        }
    }

    @Test
    void isTheMeanSquaredPerSampleGradientComputedNaivelyByFiniteDifferences() {
        Rng rng = new Rng(11);
        Sequential net = new Sequential(new Flatten(), new Linear(4, 3, true, rng), new Tanh(), new Linear(3, 3, true, rng));
        net.train(false);
        DataSplit data = tiny(7, 2);
        List<Parameter> weights = List.copyOf(Prunable.weights(net).values());
        // Batches of 3 (the last one short): the estimate must still be per sample.
        Map<Parameter, float[]> fisher = FisherDiagonal.estimate(net, weights, new Batches(data, 3, true, 5, true), 100);
        double eps = 1e-2;
        for (Parameter p : weights) {
            float[] w = p.value().data();
            double[] naive = new double[w.length];
            for (Batches.Batch one : new Batches(data, 1, false, 0, true).epoch(0)) {
                for (int i = 0; i < w.length; i++) {
                    float saved = w[i];
                    w[i] = (float) (saved + eps);
                    double up = sampleLoss(net, one);
                    w[i] = (float) (saved - eps);
                    double down = sampleLoss(net, one);
                    w[i] = saved;
                    double g = (up - down) / (2 * eps);
                    naive[i] += g * g / data.count();
                }
            }
            float[] f = fisher.get(p);
            for (int i = 0; i < w.length; i++)
                assertEquals(naive[i], f[i], 2e-3 * Math.abs(naive[i]) + 1e-6, "F[" + i + "] of a " + p.numel() + "-weight layer");
        }
    }

    @Test
    void leavesNoGradientsAndRejectsAnEmptyCalibration() {
        Rng rng = new Rng(1);
        Sequential net = new Sequential(new Flatten(), new Linear(4, 3, true, rng));
        List<Parameter> weights = List.copyOf(Prunable.weights(net).values());
        FisherDiagonal.estimate(net, weights, new Batches(tiny(4, 1), 2, false, 0, true), 1);
        assertNull(weights.get(0).grad());
        var e = assertThrows(IllegalArgumentException.class, () -> FisherDiagonal.estimate(net, weights, new Batches(tiny(4, 1), 2, false, 0, true), 0));
        assertTrue(e.getMessage().contains("calibration batch"), e.getMessage());
    }
}
