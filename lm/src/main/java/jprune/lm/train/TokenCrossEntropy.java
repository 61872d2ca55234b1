package jprune.lm.train;

import jprune.nn.autograd.Variable;
import jprune.tensor.Parallel;
import jprune.tensor.Tensor;

/**
 * Mean next-token cross-entropy of logits [tokens, vocab] against target ids, fused with the
 * log-softmax and split by rows across threads (nn's {@code Losses.crossEntropy} is serial with a
 * double exp per logit, which at a vocabulary of thousands costs more than the head's GEMM). Each
 * row's log-sum-exp is kept; the backward writes softmax − one-hot, scaled, without materialising
 * the probabilities in the forward. Per-row losses are summed in row order, in double.
 */
public final class TokenCrossEntropy {
    private TokenCrossEntropy() {}

    public static Variable apply(Variable logits, int[] targets) {
        if (logits.dim() != 2) throw new IllegalArgumentException("cross-entropy expects logits [tokens, vocab], got " + java.util.Arrays.toString(logits.shape()));
        int n = logits.size(0), v = logits.size(1);
        if (targets.length != n) throw new IllegalArgumentException("cross-entropy: " + targets.length + " targets for " + n + " rows");
        for (int i = 0; i < n; i++) {
            if (targets[i] < 0 || targets[i] >= v) throw new IllegalArgumentException("target id " + targets[i] + " at row " + i + " outside [0, " + v + ")");
        }
        float[] x = logits.value().data();
        float[] lse = new float[n];
        double[] rowLoss = new double[n];
        Parallel.forRange(n, 4, (c, from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * v;
                float max = LmKernels.max(x, off, v);
                lse[r] = max + (float) Math.log(LmKernels.sumExp(x, off, v, max));
                rowLoss[r] = (double) lse[r] - x[off + targets[r]];
            }
        });
        double total = 0;
        for (double l : rowLoss) total += l;
        return Variable.result("token_cross_entropy", Tensor.scalar((float) (total / n)), g -> {
            float scale = g.item() / n;
            float[] gx = logits.gradBuffer();
            Parallel.forRange(n, 4, (c, from, to) -> {
                for (int r = from; r < to; r++) {
                    int off = r * v;
                    LmKernels.addScaledExp(x, off, v, lse[r], scale, gx, off);
                    gx[off + targets[r]] -= scale;
                }
            });
        }, logits);
    }
}
