package jprune.nn.autograd;

import static jprune.nn.autograd.OpsGradientTest.check;
import static jprune.nn.autograd.OpsGradientTest.positive;
import static jprune.nn.autograd.OpsGradientTest.rand;
import static org.junit.jupiter.api.Assertions.*;

import jprune.nn.layers.MultiHeadSelfAttention;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of the layer-level ops (activations, softmax, norms, conv, pooling, attention). */
class LayerOpsGradientTest {
    /** Values kept away from 0 so ReLU's kink is not straddled by the finite difference. */
    static Tensor awayFromZero(int... shape) {
        Tensor t = rand(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = d[i] >= 0 ? d[i] + 0.1f : d[i] - 0.1f;
        return t;
    }

    @Test
    void activations() {
        check("relu", v -> Activation.relu(v.get(0)), awayFromZero(4, 5));
        check("gelu", v -> Activation.gelu(v.get(0)), rand(4, 5));
        check("tanh", v -> Activation.tanh(v.get(0)), rand(4, 5));
        check("sigmoid", v -> Activation.sigmoid(v.get(0)), rand(4, 5));
    }

    @Test
    void softmaxes() {
        check("softmax", v -> SoftmaxOp.softmax(v.get(0)), rand(3, 7));
        check("log softmax", v -> SoftmaxOp.logSoftmax(v.get(0)), rand(2, 3, 5));
    }

    @Test
    void norms() {
        check("layer norm", v -> Normalization.layerNorm(v.get(0), v.get(1), v.get(2), 1e-5f), rand(3, 6), positive(6), rand(6));
        check("layer norm over kept features", v -> Normalization.layerNormOver(v.get(0), v.get(1), v.get(2), 1e-5f, new int[] {0, 2, 3, 5}),
                rand(3, 6), positive(6), rand(6));
        check("batch norm train", v -> Normalization.batchNorm(v.get(0), v.get(1), v.get(2), Tensor.zeros(3), Tensor.full(1f, 3), true, 0.1f, 1e-5f),
                rand(4, 3, 2, 2), positive(3), rand(3));
        Tensor rm = rand(3), rv = positive(3);
        check("batch norm eval", v -> Normalization.batchNorm(v.get(0), v.get(1), v.get(2), rm, rv, false, 0.1f, 1e-5f),
                rand(2, 3, 2, 2), positive(3), rand(3));
    }

    /** Over kept features, layer norm is the narrow model's layer norm, bit for bit, with zeros elsewhere. */
    @Test
    void layerNormOverKeptFeaturesIsTheNarrowLayerNorm() {
        int[] kept = {1, 2, 4, 6};
        Tensor x = rand(5, 7), g = positive(7), b = rand(7);
        float[] wide = Normalization.layerNormOver(Variable.constant(x), Variable.constant(g), Variable.constant(b), 1e-5f, kept).value().data();
        Tensor xn = Tensor.zeros(5, 4), gn = Tensor.zeros(4), bn = Tensor.zeros(4);
        for (int j = 0; j < 4; j++) {
            gn.data()[j] = g.data()[kept[j]];
            bn.data()[j] = b.data()[kept[j]];
            for (int r = 0; r < 5; r++) xn.data()[r * 4 + j] = x.data()[r * 7 + kept[j]];
        }
        float[] narrow = Normalization.layerNorm(Variable.constant(xn), Variable.constant(gn), Variable.constant(bn), 1e-5f).value().data();
        for (int r = 0; r < 5; r++) {
            for (int c = 0, j = 0; c < 7; c++) {
                if (j < 4 && kept[j] == c) assertEquals(narrow[r * 4 + j++], wide[r * 7 + c], 0f);
                else assertEquals(0f, wide[r * 7 + c], 0f);
            }
        }
    }

    @Test
    void convolutionAndPooling() {
        check("conv2d", v -> Convolution.conv2d(v.get(0), v.get(1), v.get(2), 1, 1), rand(2, 2, 5, 4), rand(3, 2, 3, 3), rand(3));
        check("conv2d strided", v -> Convolution.conv2d(v.get(0), v.get(1), null, 2, 0), rand(1, 3, 7, 7), rand(2, 3, 3, 3));
        check("max pool", v -> Pooling.maxPool2d(v.get(0), 2, 2, 0), rand(2, 2, 4, 6));
        check("avg pool", v -> Pooling.avgPool2d(v.get(0), 3, 2, 1), rand(1, 2, 5, 5));
        check("global avg pool", v -> Pooling.globalAvgPool(v.get(0)), rand(2, 3, 2, 3));
    }

    @Test
    void attentionLayer() {
        MultiHeadSelfAttention attn = new MultiHeadSelfAttention(8, 2, 4, new Rng(11));
        check("attention input", v -> attn.forward(v.get(0)), rand(2, 3, 8));
        // Parameter gradients: perturb each weight of every projection in place and compare.
        Tensor x = rand(2, 3, 8), w = rand(2, 3, 8);
        attn.zeroGrad();
        Reductions.sum(Arithmetic.mul(attn.forward(Variable.constant(x)), Variable.constant(w))).backward();
        for (var e : attn.namedParameters().entrySet()) {
            float[] value = e.getValue().value().data(), grad = e.getValue().grad().data();
            for (int i = 0; i < value.length; i += 5) {
                float saved = value[i];
                value[i] = saved + 1e-2f;
                double up = weightedSum(attn.forward(Variable.constant(x)).value(), w);
                value[i] = saved - 1e-2f;
                double down = weightedSum(attn.forward(Variable.constant(x)).value(), w);
                value[i] = saved;
                double numeric = (up - down) / 2e-2;
                assertEquals(numeric, grad[i], 2e-3 + 2e-2 * Math.abs(numeric), e.getKey() + "[" + i + "]");
            }
        }
    }

    static double weightedSum(Tensor y, Tensor w) {
        double s = 0;
        for (int i = 0; i < y.numel(); i++) s += (double) y.data()[i] * w.data()[i];
        return s;
    }
}
