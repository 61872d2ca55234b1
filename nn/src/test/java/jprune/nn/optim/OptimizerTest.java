package jprune.nn.optim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import jprune.nn.Parameter;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Optimizer updates against the formulas of PyTorch's SGD and AdamW, computed here in double. */
class OptimizerTest {
    static Parameter param(float... w) {
        return new Parameter(Tensor.of(w.clone(), w.length), Parameter.Kind.WEIGHT);
    }

    static void setGrad(Parameter p, float... g) {
        p.zeroGrad();
        p.accumulateGrad(Tensor.of(g, g.length));
    }

    @Test
    void sgdNesterovWithWeightDecayFollowsPytorch() {
        Parameter p = param(1f, -2f);
        Sgd opt = new Sgd(List.of(p), 0.1, 0.9, true, 0.01);
        double[] w = {1, -2}, v = new double[2];
        float[][] grads = {{0.5f, -0.25f}, {0.1f, 0.3f}, {-0.2f, 0.05f}};
        for (int step = 0; step < grads.length; step++) {
            setGrad(p, grads[step]);
            opt.step();
            for (int i = 0; i < 2; i++) {
                double g = grads[step][i] + 0.01 * w[i];
                v[i] = step == 0 ? g : 0.9 * v[i] + g;
                w[i] -= 0.1 * (g + 0.9 * v[i]);
            }
            assertEquals(w[0], p.value().data()[0], 1e-6);
            assertEquals(w[1], p.value().data()[1], 1e-6);
        }
    }

    @Test
    void adamWFollowsDecoupledUpdate() {
        Parameter p = param(0.5f, -1f, 2f);
        AdamW opt = new AdamW(List.of(p), 0.01, 0.9, 0.999, 1e-8, 0.1);
        double[] w = {0.5, -1, 2}, m = new double[3], v = new double[3];
        float[][] grads = {{0.1f, -0.2f, 0.3f}, {0.05f, 0.1f, -0.3f}};
        for (int t = 1; t <= grads.length; t++) {
            setGrad(p, grads[t - 1]);
            opt.step();
            for (int i = 0; i < 3; i++) {
                double g = grads[t - 1][i];
                w[i] *= 1 - 0.01 * 0.1;
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                double mh = m[i] / (1 - Math.pow(0.9, t)), vh = v[i] / (1 - Math.pow(0.999, t));
                w[i] -= 0.01 * mh / (Math.sqrt(vh) + 1e-8);
                assertEquals(w[i], p.value().data()[i], 1e-5);
            }
        }
    }

    @Test
    void maskedWeightsStayZeroThroughMomentumAndDecay() {
        Parameter p = param(1f, 2f, 3f, 4f);
        p.setMask(Tensor.of(new float[] {1, 0, 1, 0}, 4));
        assertEquals(0f, p.value().data()[1]);
        for (Optimizer opt : List.of(new Sgd(List.of(p), 0.1, 0.9, true, 0.1), new AdamW(List.of(p), 0.1, 0.9, 0.999, 1e-8, 0.1))) {
            for (int s = 0; s < 3; s++) {
                setGrad(p, 1f, 1f, 1f, 1f);
                opt.step();
                assertEquals(0f, p.value().data()[1]);
                assertEquals(0f, p.value().data()[3]);
                assertEquals(0f, p.grad().data()[1], "gradient is masked too");
                assertNotEquals(1f, p.value().data()[0]);
            }
        }
    }

    /**
     * Parameters are updated a chunk at a time (Optimizer.CHUNK entries masked, updated, re-masked):
     * on a masked parameter two and a half chunks long, every entry must follow the one-entry formula
     * exactly, with one step count and one start of the momentum for the whole parameter.
     */
    @Test
    void everyChunkOfALongMaskedParameterFollowsTheSameUpdate() {
        int n = 2 * Optimizer.CHUNK + Optimizer.CHUNK / 2 + 3;
        java.util.Random r = new java.util.Random(3);
        float[] w0 = new float[n], mask = new float[n];
        for (int i = 0; i < n; i++) {
            w0[i] = (float) r.nextGaussian();
            mask[i] = r.nextFloat() < 0.3f ? 1f : 0f;
        }
        Parameter sgdP = param(w0), adamP = param(w0);
        sgdP.setMask(Tensor.of(mask.clone(), n));
        adamP.setMask(Tensor.of(mask.clone(), n));
        Sgd sgd = new Sgd(List.of(sgdP), 0.05f, 0.9f, true, 0.01f);
        AdamW adam = new AdamW(List.of(adamP), 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f);
        float[] w = w0.clone(), v = new float[n], wa = w0.clone(), m1 = new float[n], m2 = new float[n];
        for (int i = 0; i < n; i++) w[i] = wa[i] = w0[i] * mask[i] + 0f;
        for (int step = 1; step <= 3; step++) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) g[i] = (float) r.nextGaussian();
            setGrad(sgdP, g.clone());
            setGrad(adamP, g.clone());
            sgd.step();
            adam.step();
            float lr = 0.05f, mu = 0.9f, wd = 0.01f;
            float c1 = (float) (1 - Math.pow(0.9f, step)), c2 = (float) Math.sqrt(1 - Math.pow(0.999f, step));
            float stepSize = 1e-3f / c1, decay = 1 - 1e-3f * 0.01f;
            for (int i = 0; i < n; i++) {
                float gm = g[i] * mask[i] + 0f;
                float gi = gm + wd * w[i];
                v[i] = step == 1 ? gi : mu * v[i] + gi;
                w[i] = (w[i] - lr * (gi + mu * v[i])) * mask[i] + 0f;
                m1[i] = 0.9f * m1[i] + (1 - 0.9f) * gm;
                m2[i] = 0.999f * m2[i] + (1 - 0.999f) * gm * gm;
                wa[i] = (wa[i] * decay - stepSize * m1[i] / ((float) Math.sqrt(m2[i]) / c2 + 1e-8f)) * mask[i] + 0f;
            }
            assertArrayEquals(w, sgdP.value().data(), "SGD, step " + step);
            assertArrayEquals(wa, adamP.value().data(), "AdamW, step " + step);
        }
    }

    @Test
    void invalidHyperparametersAreRejected() {
        Parameter p = param(1f);
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p), -0.1, 0.9, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p), 0.1, 1.0, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p), 0.1, 0, true, 0));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(p), 0.1, 0.9, 1.5, 1e-8, 0));
    }

    @Test
    void schedulesHitTheirEndpoints() {
        LrSchedule cos = LrSchedule.cosine(0.1, 0, 100);
        assertEquals(0.1, cos.lr(0), 1e-12);
        assertEquals(0.05, cos.lr(50), 1e-12);
        assertEquals(0, cos.lr(100), 1e-12);
        LrSchedule step = LrSchedule.stepDecay(1, 10, 0.1);
        assertEquals(1, step.lr(9), 1e-12);
        assertEquals(0.1, step.lr(10), 1e-12);
        assertEquals(0.5, LrSchedule.exponential(1, 0.25, 2).lr(1), 1e-12);
        LrSchedule warm = LrSchedule.constant(1).withWarmup(4);
        assertEquals(0.25, warm.lr(0), 1e-12);
        assertEquals(1, warm.lr(3), 1e-12);
        assertEquals(1, warm.lr(10), 1e-12);
    }

    @Test
    void penaltyAddsL1AndL2Gradients() {
        Parameter w = param(2f, -3f);
        Parameter b = new Parameter(Tensor.of(new float[] {5f}, 1), Parameter.Kind.BIAS);
        Penalty pen = new Penalty(0.1, 0.01);
        pen.addGradients(List.of(w, b));
        assertEquals(0.1 + 0.02, w.grad().data()[0], 1e-6);
        assertEquals(-0.1 - 0.03, w.grad().data()[1], 1e-6);
        assertNull(b.grad(), "biases are not penalised");
        assertEquals(0.1 * 5 + 0.005 * 13, pen.value(List.of(w, b)), 1e-6);
    }

    @Test
    void aMaskSetMidTrainingClearsTheStateLeftBehind() {
        for (int kind = 0; kind < 2; kind++) {
            Parameter p = param(1f, -2f, 0.5f);
            Optimizer opt = kind == 0 ? new Sgd(List.of(p), 0.1, 0.9, true, 0.01) : new AdamW(List.of(p), 0.01, 0.9, 0.999, 1e-8, 0.01);
            for (int step = 0; step < 5; step++) {   // build up momentum / moments on every entry
                setGrad(p, 0.3f, -0.2f, 0.1f);
                opt.step();
            }
            p.setMask(Tensor.of(new float[] {1f, 0f, 1f}, 3));
            for (int step = 0; step < 20; step++) {
                setGrad(p, 0.3f, -0.2f, 0.1f);
                opt.step();
                assertEquals(0f, p.value().data()[1], "step " + step + ": the masked weight stays exactly zero");
                assertEquals(0, Float.floatToRawIntBits(p.value().data()[1]), "+0.0, not -0.0");
            }
            p.setMask(null);
            setGrad(p, 0f, 0f, 0f);
            opt.step();
            assertEquals(0f, p.value().data()[1], "no stale momentum pushes the pruned weight once the mask is gone");
        }
    }
}
