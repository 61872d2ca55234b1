package jprune.nn.layers;

import static org.junit.jupiter.api.Assertions.*;

import jprune.nn.autograd.Variable;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Inverted dropout: in training, each unit is zeroed with probability p and survivors are scaled by 1/(1 − p); in evaluation, identity. */
class DropoutTest {
    static final int N = 20_000;

    static Tensor ramp() {
        float[] x = new float[N];
        for (int i = 0; i < N; i++) x[i] = 0.5f + (i % 17) * 0.25f;
        return Tensor.of(x, 100, N / 100);
    }

    @Test
    void trainingZeroesAboutPAndScalesSurvivorsByOneOverOneMinusP() {
        float p = 0.25f;
        Dropout d = new Dropout(p, new Rng(7));
        d.train(true);
        Variable x = Variable.leaf(ramp(), true);
        Variable y = d.forward(x);
        float[] xd = x.value().data(), yd = y.value().data();
        int dropped = 0;
        double sumX = 0, sumY = 0;
        for (int i = 0; i < N; i++) {
            if (yd[i] == 0f) dropped++;
            else assertEquals(xd[i] / (1 - p), yd[i], 1e-6 * xd[i], "survivor " + i + " scaled by 1/(1 − p)");
            sumX += xd[i];
            sumY += yd[i];
        }
        // Binomial(N, p): three standard deviations are 0.0092 of N.
        assertEquals(p, dropped / (double) N, 0.0092, "fraction dropped");
        assertEquals(sumX, sumY, 0.02 * sumX, "the expected activation is unchanged");
        // The gradient flows through the same mask with the same scale.
        y.backward(Tensor.full(1f, y.shape()));
        float[] g = x.grad().data();
        for (int i = 0; i < N; i++) assertEquals(yd[i] == 0f ? 0f : 1 / (1 - p), g[i], 1e-6, "gradient " + i);
        // Seeded: a new layer with the same seed drops the same units.
        Dropout again = new Dropout(p, new Rng(7));
        assertArrayEquals(yd, again.forward(Variable.constant(ramp())).value().data());
    }

    @Test
    void evaluationIsTheIdentity() {
        Dropout d = new Dropout(0.5f, new Rng(1));
        d.train(false);
        Variable x = Variable.constant(ramp());
        Variable y = d.forward(x);
        assertArrayEquals(x.value().data(), y.value().data());
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1f, new Rng(1)));
    }
}
