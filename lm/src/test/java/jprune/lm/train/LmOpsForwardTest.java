package jprune.lm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jprune.nn.autograd.Variable;
import jprune.tensor.Parallel;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The ops' forward values against direct double-precision formulas. */
class LmOpsForwardTest {
    private static Variable leaf(long seed, float std, int... shape) {
        return Variable.leaf(Tensor.randn(new Rng(seed), std, shape), false);
    }

    @Test
    void attentionEqualsTheMaskedSoftmaxFormulaWithGroupedHeads() {
        int b = 2, t = 7, heads = 6, kv = 2, hd = 5, group = heads / kv;
        Variable q = leaf(1, 1f, b * t, heads * hd), k = leaf(2, 1f, b * t, kv * hd), v = leaf(3, 1f, b * t, kv * hd);
        float[] out = CausalAttention.apply(CausalAttention.Operand.of(q), CausalAttention.Operand.of(k), CausalAttention.Operand.of(v), b, t, heads, kv, hd).value().data();
        float[] qd = q.value().data(), kd = k.value().data(), vd = v.value().data();
        for (int s = 0; s < b; s++) {
            for (int h = 0; h < heads; h++) {
                int kh = h / group;
                for (int i = 0; i < t; i++) {
                    double[] w = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int c = 0; c < hd; c++) dot += (double) qd[(s * t + i) * heads * hd + h * hd + c] * kd[(s * t + j) * kv * hd + kh * hd + c];
                        w[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, w[j]);
                    }
                    for (int j = 0; j <= i; j++) sum += w[j] = Math.exp(w[j] - max);
                    for (int c = 0; c < hd; c++) {
                        double o = 0;
                        for (int j = 0; j <= i; j++) o += w[j] / sum * vd[(s * t + j) * kv * hd + kh * hd + c];
                        assertEquals(o, out[(s * t + i) * heads * hd + h * hd + c], 1e-5, "b" + s + " h" + h + " t" + i + " c" + c);
                    }
                }
            }
        }
    }

    @Test
    void attentionIsTheSameOnOneAndTwoThreads() {
        int b = 3, t = 9, heads = 4, kv = 2, hd = 8;
        Variable q = Variable.leaf(Tensor.randn(new Rng(4), 1f, b * t, heads * hd), true), k = Variable.leaf(Tensor.randn(new Rng(5), 1f, b * t, kv * hd), true),
                v = Variable.leaf(Tensor.randn(new Rng(6), 1f, b * t, kv * hd), true);
        int saved = Parallel.threads();
        float[][] results = new float[2][];
        try {
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                q.zeroGrad();
                k.zeroGrad();
                v.zeroGrad();
                Variable o = CausalAttention.apply(CausalAttention.Operand.of(q), CausalAttention.Operand.of(k), CausalAttention.Operand.of(v), b, t, heads, kv, hd);
                o.backward(Tensor.randn(new Rng(7), 1f, b * t, heads * hd));
                results[threads - 1] = concat(o.value().data(), q.grad().data(), k.grad().data(), v.grad().data());
            }
        } finally {
            Parallel.setThreads(saved);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(results[0], results[1]);
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] out = new float[n];
        int o = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    @Test
    void rmsNormGeluSwigluAndCrossEntropyFormulas() {
        Variable x = leaf(8, 1.5f, 3, 5), w = leaf(9, 1f, 5), u = leaf(10, 1f, 3, 5);
        float[] xd = x.value().data(), wd = w.value().data(), ud = u.value().data();
        float[] rms = RmsNorm.apply(x, w, 1e-6f).value().data();
        float[] gelu = GeluTanh.apply(x).value().data();
        float[] glu = SwiGlu.apply(x, u).value().data();
        for (int r = 0; r < 3; r++) {
            double ss = 0;
            for (int i = 0; i < 5; i++) ss += (double) xd[r * 5 + i] * xd[r * 5 + i];
            for (int i = 0; i < 5; i++) assertEquals(xd[r * 5 + i] / Math.sqrt(ss / 5 + 1e-6) * wd[i], rms[r * 5 + i], 1e-5);
        }
        for (int i = 0; i < xd.length; i++) {
            double z = xd[i];
            assertEquals(0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z))), gelu[i], 1e-5);
            assertEquals(z / (1 + Math.exp(-z)) * ud[i], glu[i], 1e-5);
        }
        int[] targets = {4, 0, 2};
        double expected = 0;
        for (int r = 0; r < 3; r++) {
            double s = 0;
            for (int i = 0; i < 5; i++) s += Math.exp(xd[r * 5 + i]);
            expected += Math.log(s) - xd[r * 5 + targets[r]];
        }
        assertEquals(expected / 3, TokenCrossEntropy.apply(x, targets).value().item(), 1e-5);
    }

    @Test
    void ropeTurnsFeatureIWithFeatureIPlusHalf() {
        var c = LmOpsGradientTest.llama(1, 4);
        RotaryEmbedding rope = new RotaryEmbedding(c, 3);
        Variable x = leaf(11, 1f, 3, 4);
        float[] xd = x.value().data(), y = rope.apply(x).value().data();
        for (int p = 0; p < 3; p++) {
            for (int i = 0; i < 2; i++) {
                double a = p * Math.pow(100.0, -2.0 * i / 4), x0 = xd[p * 4 + i], x1 = xd[p * 4 + 2 + i];
                assertEquals(x0 * Math.cos(a) - x1 * Math.sin(a), y[p * 4 + i], 1e-5);
                assertEquals(x1 * Math.cos(a) + x0 * Math.sin(a), y[p * 4 + 2 + i], 1e-5);
            }
        }
    }

    @Test
    void scheduleWarmsUpThenDecaysToTheFloorAtTheLastStep() {
        WarmupCosine s = new WarmupCosine(1e-3, 1e-4, 10, 110);
        assertEquals(1e-4, s.lr(0), 1e-12);
        assertEquals(1e-3, s.lr(9), 1e-12);
        assertEquals(1e-3, s.lr(10), 1e-12);
        assertEquals(1e-4 + 0.5 * 9e-4 * (1 + Math.cos(Math.PI * 49 / 99)), s.lr(59), 1e-12);
        assertEquals(1e-4, s.lr(109), 1e-12);
    }
}
