package jprune.nn.autograd;

import jprune.tensor.Shape;
import jprune.tensor.Tensor;

/** Differentiable losses, each averaged over the batch. */
public final class Losses {
    private Losses() {}

    /**
     * Mean cross-entropy of logits [B, C] against class labels, fused with log-softmax. With label
     * smoothing ε the target is (1−ε)·onehot + ε/C, as in PyTorch's {@code label_smoothing}.
     */
    public static Variable crossEntropy(Variable logits, int[] labels, float labelSmoothing) {
        int[] s = logits.shape();
        if (s.length != 2) throw new IllegalArgumentException("cross-entropy expects logits [batch, classes], got " + Shape.str(s));
        int b = s[0], c = s[1];
        if (labels.length != b) throw new IllegalArgumentException("cross-entropy: " + labels.length + " labels for a batch of " + b);
        if (labelSmoothing < 0 || labelSmoothing >= 1) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
        float[] x = logits.value().data();
        float[] prob = new float[b * c];
        double total = 0;
        float onTarget = 1 - labelSmoothing, uniform = labelSmoothing / c;
        for (int i = 0; i < b; i++) {
            int y = labels[i];
            if (y < 0 || y >= c) throw new IllegalArgumentException("label " + y + " at index " + i + " outside [0, " + c + ")");
            int off = i * c;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) max = Math.max(max, x[off + j]);
            double sum = 0;
            for (int j = 0; j < c; j++) {
                float e = (float) Math.exp(x[off + j] - max);
                prob[off + j] = e;
                sum += e;
            }
            double logSum = Math.log(sum) + max;
            float inv = (float) (1 / sum);
            double rowLoss = onTarget * (logSum - x[off + y]);
            if (labelSmoothing > 0) {
                double meanLogit = 0;
                for (int j = 0; j < c; j++) meanLogit += x[off + j];
                rowLoss += labelSmoothing * (logSum - meanLogit / c);
            }
            total += rowLoss;
            for (int j = 0; j < c; j++) prob[off + j] *= inv;
        }
        Tensor loss = Tensor.scalar((float) (total / b));
        return Variable.result("cross_entropy", loss, g -> {
            float scale = g.item() / b;
            Tensor gl = Tensor.zeros(s);
            float[] gd = gl.data();
            for (int i = 0; i < b; i++) {
                int off = i * c;
                for (int j = 0; j < c; j++) gd[off + j] = (prob[off + j] - uniform) * scale;
                gd[off + labels[i]] -= onTarget * scale;
            }
            logits.accumulateGradOwned(gl);
        }, logits);
    }

    /** Mean squared error between prediction and target (same shape). */
    public static Variable mse(Variable pred, Variable target) {
        if (!pred.value().sameShape(target.value()))
            throw new IllegalArgumentException("mse: prediction " + Shape.str(pred.shape()) + " vs target " + Shape.str(target.shape()));
        float[] p = pred.value().data(), t = target.value().data();
        int n = p.length;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = p[i] - t[i];
            sum += d * d;
        }
        return Variable.result("mse", Tensor.scalar((float) (sum / n)), g -> {
            float scale = 2f * g.item() / n;
            if (pred.requiresGrad()) {
                float[] gp = pred.gradBuffer();
                for (int i = 0; i < n; i++) gp[i] += scale * (p[i] - t[i]);
            }
            if (target.requiresGrad()) {
                float[] gt = target.gradBuffer();
                for (int i = 0; i < n; i++) gt[i] -= scale * (p[i] - t[i]);
            }
        }, pred, target);
    }
}
