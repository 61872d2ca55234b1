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

    static Sequential net() {
        Rng rng = new Rng(11);
        Sequential net = new Sequential(new Flatten(), new Linear(4, 3, true, rng), new Tanh(), new Linear(3, 3, true, rng));
        net.train(false);
        return net;
    }

    /** ∂ℓ(x, c)/∂w_i for every weight of p, by central differences of the single-sample loss. */
    static double[] finiteDifferenceGradient(Module net, Parameter p, Batches.Batch one, int c) {
        Batches.Batch relabelled = new Batches.Batch(one.x(), new int[] {c}, 1);
        float[] w = p.value().data();
        double eps = 1e-2;
        double[] g = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            float saved = w[i];
            w[i] = (float) (saved + eps);
            double up = sampleLoss(net, relabelled);
            w[i] = (float) (saved - eps);
            double down = sampleLoss(net, relabelled);
            w[i] = saved;
            g[i] = (up - down) / (2 * eps);
        }
        return g;
    }

    static double[] softmax(Module net, Batches.Batch one) {
        try (var g = GradMode.noGrad()) {
            float[] z = net.forward(Variable.constant(one.x())).value().data();
            double sum = 0;
            double[] p = new double[z.length];
            for (int c = 0; c < z.length; c++) sum += p[c] = Math.exp(z[c]);
            for (int c = 0; c < z.length; c++) p[c] /= sum;
            return p;
        }
    }

    @Test
    void theEmpiricalFisherIsTheMeanSquaredPerSampleGradientAtTheDataLabels() {
        Sequential net = net();
        DataSplit data = tiny(7, 2);
        List<Parameter> weights = List.copyOf(Prunable.weights(net).values());
        // Batches of 3 (the last one short): the estimate must still be per sample.
        Map<Parameter, float[]> fisher = FisherDiagonal.estimate(net, weights, new Batches(data, 3, true, 5, true), 100, FisherDiagonal.Labels.DATA);
        for (Parameter p : weights) {
            double[] naive = new double[p.numel()];
            for (Batches.Batch one : new Batches(data, 1, false, 0, true).epoch(0)) {
                double[] g = finiteDifferenceGradient(net, p, one, one.labels()[0]);
                for (int i = 0; i < g.length; i++) naive[i] += g[i] * g[i] / data.count();
            }
            float[] f = fisher.get(p);
            for (int i = 0; i < naive.length; i++)
                assertEquals(naive[i], f[i], 2e-3 * Math.abs(naive[i]) + 1e-6, "F[" + i + "] of a " + p.numel() + "-weight layer");
        }
    }

    @Test
    void theGaussNewtonDiagonalWeighsEveryClassByTheModelsProbability() {
        Sequential net = net();
        DataSplit data = tiny(7, 3);
        List<Parameter> weights = List.copyOf(Prunable.weights(net).values());
        Map<Parameter, float[]> gn = FisherDiagonal.estimate(net, weights, new Batches(data, 4, true, 5, true), 100, FisherDiagonal.Labels.MODEL);
        for (Parameter p : weights) {
            double[] naive = new double[p.numel()];
            for (Batches.Batch one : new Batches(data, 1, false, 0, true).epoch(0)) {
                double[] prob = softmax(net, one);
                for (int c = 0; c < prob.length; c++) {
                    double[] g = finiteDifferenceGradient(net, p, one, c);
                    for (int i = 0; i < g.length; i++) naive[i] += prob[c] * g[i] * g[i] / data.count();
                }
            }
            float[] f = gn.get(p);
            for (int i = 0; i < naive.length; i++)
                assertEquals(naive[i], f[i], 2e-3 * Math.abs(naive[i]) + 1e-6, "G[" + i + "] of a " + p.numel() + "-weight layer");
        }
    }

    @Test
    void forTheLastLinearLayerTheGaussNewtonDiagonalIsTheHessianDiagonal() {
        // The logits are linear in the last layer's weights, so the loss Hessian in them is JᵀAJ exactly.
        Sequential net = net();
        DataSplit data = tiny(7, 4);
        Parameter last = Prunable.weights(net).get("3.weight");
        Map<Parameter, float[]> gn = FisherDiagonal.estimate(net, List.of(last), new Batches(data, 7, false, 0, true), 1, FisherDiagonal.Labels.MODEL);
        Batches.Batch all = new Batches(data, 7, false, 0, true).epoch(0).iterator().next();
        float[] exact = HessianDiagonal.exactByCoordinates(net, last, all, 1e-2);
        for (int i = 0; i < exact.length; i++) assertEquals(exact[i], gn.get(last)[i], 2e-3 * Math.abs(exact[i]) + 2e-5, "H[" + i + "]");
        // The empirical Fisher is another quantity: it misses by far more than that.
        float[] emp = FisherDiagonal.estimate(net, List.of(last), new Batches(data, 7, false, 0, true), 1, FisherDiagonal.Labels.DATA).get(last);
        double off = 0;
        for (int i = 0; i < exact.length; i++) off = Math.max(off, Math.abs(emp[i] - exact[i]) / exact[i]);
        assertTrue(off > 0.1, "empirical Fisher within " + off + " of the Hessian diagonal");
    }

    @Test
    void leavesNoGradientsAndRejectsAnEmptyCalibration() {
        Rng rng = new Rng(1);
        Sequential net = new Sequential(new Flatten(), new Linear(4, 3, true, rng));
        List<Parameter> weights = List.copyOf(Prunable.weights(net).values());
        FisherDiagonal.estimate(net, weights, new Batches(tiny(4, 1), 2, false, 0, true), 1, FisherDiagonal.Labels.MODEL);
        assertNull(weights.get(0).grad());
        var e = assertThrows(IllegalArgumentException.class,
                () -> FisherDiagonal.estimate(net, weights, new Batches(tiny(4, 1), 2, false, 0, true), 0, FisherDiagonal.Labels.DATA));
        assertTrue(e.getMessage().contains("calibration batch"), e.getMessage());
    }
}
