package jprune.nn.layers;

import static org.junit.jupiter.api.Assertions.*;

import jprune.nn.autograd.Variable;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Batch norm against values worked out by hand. Input [2, 2, 1, 2]: channel 0 holds 1, 3 (first
 * sample) and 5, 7 (second): mean 4, biased variance 5, unbiased 20/3; channel 1 is all 2: mean 2,
 * variance 0. Scale γ = (2, 1), shift β = (0.5, −1), momentum 0.1.
 */
class BatchNorm2dTest {
    static final float EPS = 1e-5f;

    static Tensor input() {
        return Tensor.of(new float[] {1, 3, 2, 2, 5, 7, 2, 2}, 2, 2, 1, 2);
    }

    static BatchNorm2d layer() {
        BatchNorm2d bn = new BatchNorm2d(2, 0.1f, EPS);
        System.arraycopy(new float[] {2, 1}, 0, bn.weight().value().data(), 0, 2);
        System.arraycopy(new float[] {0.5f, -1}, 0, bn.bias().value().data(), 0, 2);
        return bn;
    }

    @Test
    void trainingNormalisesWithBatchStatisticsAndMovesTheRunningOnesByTheMomentum() {
        BatchNorm2d bn = layer();
        bn.train(true);
        float[] y = bn.forward(Variable.constant(input())).value().data();
        double s = Math.sqrt(5 + EPS);
        // Channel 0: 2·(x − 4)/√5 + 0.5; channel 1: 1·0/√(0 + ε) − 1 = −1.
        double[] expected = {2 * -3 / s + 0.5, 2 * -1 / s + 0.5, -1, -1, 2 * 1 / s + 0.5, 2 * 3 / s + 0.5, -1, -1};
        for (int i = 0; i < 8; i++) assertEquals(expected[i], y[i], 1e-5, "output " + i);
        // running = 0.9·running + 0.1·batch, starting from mean 0 and variance 1; the variance unbiased (×4/3).
        assertArrayEquals(new float[] {0.4f, 0.2f}, bn.runningMean().data(), 1e-6f);
        assertArrayEquals(new float[] {0.9f + 0.1f * 20 / 3f, 0.9f}, bn.runningVar().data(), 1e-6f);
        bn.forward(Variable.constant(input()));
        assertArrayEquals(new float[] {0.9f * 0.4f + 0.4f, 0.9f * 0.2f + 0.2f}, bn.runningMean().data(), 1e-6f);
        assertArrayEquals(new float[] {0.9f * (0.9f + 0.1f * 20 / 3f) + 0.1f * 20 / 3f, 0.81f}, bn.runningVar().data(), 1e-6f);
    }

    @Test
    void evaluationUsesTheRunningStatisticsAndLeavesThemAlone() {
        BatchNorm2d bn = layer();
        System.arraycopy(new float[] {3, -1}, 0, bn.runningMean().data(), 0, 2);
        System.arraycopy(new float[] {4, 0.25f}, 0, bn.runningVar().data(), 0, 2);
        bn.train(false);
        float[] y = bn.forward(Variable.constant(input())).value().data();
        double s0 = Math.sqrt(4 + EPS), s1 = Math.sqrt(0.25 + EPS);
        // Channel 0: 2·(x − 3)/2 + 0.5; channel 1: (2 + 1)/0.5 − 1 = 5.
        double[] expected = {2 * -2 / s0 + 0.5, 2 * 0 / s0 + 0.5, 3 / s1 - 1, 3 / s1 - 1, 2 * 2 / s0 + 0.5, 2 * 4 / s0 + 0.5, 3 / s1 - 1, 3 / s1 - 1};
        for (int i = 0; i < 8; i++) assertEquals(expected[i], y[i], 1e-5, "output " + i);
        assertArrayEquals(new float[] {3, -1}, bn.runningMean().data());
        assertArrayEquals(new float[] {4, 0.25f}, bn.runningVar().data());
    }
}
