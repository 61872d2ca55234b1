package jprune.lm.train;

import java.util.ArrayList;
import java.util.List;
import jprune.lm.data.TrainingBatches;
import jprune.nn.Parameter;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.nn.optim.AdamW;

/**
 * Trains a {@link TrainableDecoder} on a token stream: batches of {@code batch} windows of
 * seqlen + 1 tokens at seeded random starts ({@link TrainingBatches}: a step's batch depends only on
 * (seed, step)), next-token cross-entropy,
 * global-norm gradient clipping, AdamW in two groups (weight decay on the matrices only; none on
 * embeddings, norms and biases, as nanoGPT and the Llama recipes do), warm-up + cosine learning
 * rate. The validation loss is measured every evalEvery steps and after the last on the same
 * held-out windows. With the same seed and thread count, the same weights come out.
 */
public final class LmTrainer {
    /** One evaluation: mean training loss over the steps since the previous one, validation loss, time spent training so far. */
    public record Eval(int step, double trainLoss, double valLoss, long tokens, double trainSeconds) {}

    /** What a run measured. tokensPerSecond counts training tokens (batch × seqlen per step) over the training time alone. */
    public record Result(List<Eval> evals, long tokens, double trainSeconds, double evalSeconds) {
        public double tokensPerSecond() {
            return tokens / trainSeconds;
        }
    }

    /** Sees every step and evaluation as they happen. */
    public interface Listener {
        default void step(int step, double loss, double lr, double gradNorm) {}

        default void eval(Eval e) {}
    }

    private final TrainableDecoder model;
    private final LmTrainConfig config;

    public LmTrainer(TrainableDecoder model, LmTrainConfig config) {
        if (config.seqlen() > model.config().maxPositions())
            throw new IllegalArgumentException("seqlen " + config.seqlen() + " exceeds the model's " + model.config().maxPositions() + " positions");
        this.model = model;
        this.config = config;
    }

    /** Trains on train, validating on up to evalWindows windows of val. */
    public Result train(int[] train, int[] val, Listener listener) {
        Listener l = listener == null ? new Listener() {} : listener;
        int b = config.batch(), t = config.seqlen();
        TrainingBatches batches = batches(train);
        int[][] valWindows = validationWindows(val);
        AdamW decayed = new AdamW(model.decayed(), config.lr(), config.beta1(), config.beta2(), config.eps(), config.weightDecay());
        AdamW plain = new AdamW(model.notDecayed(), config.lr(), config.beta1(), config.beta2(), config.eps(), 0);
        List<Parameter> all = new ArrayList<>(model.parameters().values());
        WarmupCosine schedule = config.schedule();
        List<Eval> evals = new ArrayList<>();
        double trainNanos = 0, evalNanos = 0, lossSum = 0;
        int lossCount = 0;
        for (int step = 0; step < config.steps(); step++) {
            long start = System.nanoTime();
            TrainingBatches.Batch batch = batches.batch(step);
            Variable loss = TokenCrossEntropy.apply(model.forward(batch.inputs(), b, t), batch.targets());
            loss.backward();
            double norm = clip(all, config.clipNorm());
            double lr = schedule.lr(step);
            decayed.setLr(lr);
            plain.setLr(lr);
            decayed.step();
            plain.step();
            decayed.zeroGrad();
            plain.zeroGrad();
            trainNanos += System.nanoTime() - start;
            double lv = loss.value().item();
            if (!Double.isFinite(lv)) throw new ArithmeticException("the training loss became " + lv + " at step " + step + " (lower --lr)");
            lossSum += lv;
            lossCount++;
            l.step(step, lv, lr, norm);
            boolean last = step == config.steps() - 1;
            if (last || (config.evalEvery() > 0 && (step + 1) % config.evalEvery() == 0)) {
                long e0 = System.nanoTime();
                double valLoss = valWindows.length == 0 ? Double.NaN : loss(valWindows);
                evalNanos += System.nanoTime() - e0;
                Eval e = new Eval(step + 1, lossSum / lossCount, valLoss, (long) (step + 1) * b * t, trainNanos / 1e9);
                evals.add(e);
                l.eval(e);
                lossSum = 0;
                lossCount = 0;
            }
        }
        return new Result(evals, (long) config.steps() * b * t, trainNanos / 1e9, evalNanos / 1e9);
    }

    /** The batches this trainer draws from a training stream (for a peer to train on the same ones). */
    public TrainingBatches batches(int[] train) {
        return new TrainingBatches(train, config.batch(), config.seqlen(), config.seed());
    }

    /** Consecutive non-overlapping windows of seqlen + 1 tokens from the start of val, at most evalWindows. */
    private int[][] validationWindows(int[] val) {
        int w = config.seqlen() + 1;
        int n = val == null ? 0 : Math.min(config.evalWindows(), val.length / w);
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) out[i] = java.util.Arrays.copyOfRange(val, i * w, (i + 1) * w);
        return out;
    }

    /** Mean next-token loss of the model over whole windows (seqlen + 1 tokens each), without gradients. */
    public double loss(int[][] windows) {
        int t = config.seqlen();
        double sum = 0;
        long count = 0;
        try (var g = GradMode.noGrad()) {
            for (int i = 0; i < windows.length; i += config.batch()) {
                int n = Math.min(config.batch(), windows.length - i);
                int[] in = new int[n * t], tg = new int[n * t];
                for (int r = 0; r < n; r++) {
                    System.arraycopy(windows[i + r], 0, in, r * t, t);
                    System.arraycopy(windows[i + r], 1, tg, r * t, t);
                }
                sum += (double) TokenCrossEntropy.apply(model.forward(in, n, t), tg).value().item() * n * t;
                count += (long) n * t;
            }
        }
        return sum / count;
    }

    /** Scales every gradient so that their global L2 norm is at most maxNorm (PyTorch's clip_grad_norm_); returns the norm before. */
    static double clip(List<Parameter> params, double maxNorm) {
        double ss = 0;
        for (Parameter p : params) {
            if (p.grad() == null) continue;
            for (float g : p.grad().data()) ss += (double) g * g;
        }
        double norm = Math.sqrt(ss);
        if (maxNorm > 0) {
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1) {
                float c = (float) coef;
                for (Parameter p : params) {
                    if (p.grad() == null) continue;
                    float[] g = p.grad().data();
                    for (int i = 0; i < g.length; i++) g[i] *= c;
                }
            }
        }
        return norm;
    }
}
