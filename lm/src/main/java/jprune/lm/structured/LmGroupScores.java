package jprune.lm.structured;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jprune.lm.eval.Perplexity;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.KvCache;
import jprune.lm.model.ProjectionTap;
import jprune.lm.prune.CalibrationSamples;
import jprune.lm.train.TokenCrossEntropy;
import jprune.lm.train.TrainableDecoder;
import jprune.nn.Parameter;
import jprune.prune.GroupGradientCriterion;
import jprune.prune.GroupLayer;
import jprune.prune.GroupPruner;
import jprune.prune.MagnitudeCriterion;
import jprune.tensor.Tensor;

/**
 * One score per group (higher = keep) by an {@link LmCriterion}, over the groups of
 * {@link LmGroups}. The weight and gradient scores go through the prune module's own definitions
 * ({@link GroupPruner#meanOwnScore}, {@link GroupGradientCriterion#accumulate}) on a
 * {@link TrainableDecoder} copy; the block scores run the inference forward of the dense model block
 * by block.
 */
public final class LmGroupScores {
    private LmGroupScores() {}

    /**
     * Scores of every group of every layer, in order. dense runs the same weights as w (for the block
     * criteria); calib is needed by all but magnitude; batch is the calibration samples per gradient
     * batch (taylor, gate).
     */
    public static List<float[]> score(LmCriterion criterion, List<GroupLayer> layers, LmWeights w, DecoderModel dense, CalibrationSamples calib, int batch) {
        if (criterion.needsCalibration() && calib == null)
            throw new IllegalArgumentException("--criterion " + criterion.flag() + " needs calibration text (--calib)");
        return switch (criterion) {
            case MAGNITUDE, MAGNITUDE_L2 -> magnitude(criterion == LmCriterion.MAGNITUDE_L2, layers, w);
            case TAYLOR, GATE -> gradient(criterion == LmCriterion.TAYLOR ? GroupGradientCriterion.Kind.TAYLOR : GroupGradientCriterion.Kind.GATE,
                    layers, w, calib, batch);
            case BLOCK_INFLUENCE -> List.of(blockInfluence(dense, calib));
            case SKIP_LOSS -> List.of(skipLoss(dense, calib));
        };
    }

    private static List<float[]> magnitude(boolean l2, List<GroupLayer> layers, LmWeights w) {
        Map<String, Parameter> params = w.trainable().parameters();
        Map<String, Tensor> cache = new HashMap<>();
        List<float[]> out = new ArrayList<>();
        for (GroupLayer layer : LmGroups.internal(w.config(), layers)) out.add(GroupPruner.meanOwnScore(layer, params, new MagnitudeCriterion(l2), cache));
        return out;
    }

    private static List<float[]> gradient(GroupGradientCriterion.Kind kind, List<GroupLayer> layers, LmWeights w, CalibrationSamples calib, int batch) {
        if (batch < 1) throw new IllegalArgumentException("calibration batch must be >= 1, got " + batch);
        TrainableDecoder model = w.trainable();
        Map<String, Parameter> params = model.parameters();
        List<GroupLayer> internal = LmGroups.internal(w.config(), layers);
        List<float[]> acc = new ArrayList<>();
        for (GroupLayer l : layers) acc.add(new float[l.size()]);
        List<int[]> samples = calib.samples();
        int batches = 0;
        for (int i = 0; i < samples.size(); ) {
            int len = samples.get(i).length, n = 1;
            while (n < batch && i + n < samples.size() && samples.get(i + n).length == len) n++;
            int t = len - 1;
            int[] in = new int[n * t], target = new int[n * t];
            for (int r = 0; r < n; r++) {
                System.arraycopy(samples.get(i + r), 0, in, r * t, t);
                System.arraycopy(samples.get(i + r), 1, target, r * t, t);
            }
            TokenCrossEntropy.apply(model.forward(in, n, t), target).backward();
            GroupGradientCriterion.accumulate(kind, internal, params, acc);
            for (Parameter p : params.values()) p.zeroGrad();
            batches++;
            i += n;
        }
        for (float[] a : acc) for (int k = 0; k < a.length; k++) a[k] /= batches;
        return acc;
    }

    /** ShortGPT's block influence: mean over calibration tokens of 1 − cos(block input, block output). */
    static float[] blockInfluence(DecoderModel m, CalibrationSamples calib) {
        int layers = m.blockCount(), d = m.config().hiddenSize();
        double[] sum = new double[layers];
        long tokens = 0;
        for (int[] ids : calib.samples()) {
            int n = ids.length;
            KvCache cache = new KvCache(m.config(), n);
            float[] h = m.embed(ids, 0, n, 0);
            for (int l = 0; l < layers; l++) {
                float[] in = h.clone();
                m.forwardBlock(l, h, n, cache, ProjectionTap.NONE);
                for (int t = 0; t < n; t++) sum[l] += 1 - cosine(in, h, t * d, d);
            }
            tokens += n;
        }
        float[] s = new float[layers];
        for (int l = 0; l < layers; l++) s[l] = (float) (sum[l] / tokens);
        return s;
    }

    private static double cosine(float[] a, float[] b, int off, int d) {
        double ab = 0, aa = 0, bb = 0;
        for (int k = off; k < off + d; k++) {
            ab += (double) a[k] * b[k];
            aa += (double) a[k] * a[k];
            bb += (double) b[k] * b[k];
        }
        return aa == 0 || bb == 0 ? 1 : ab / Math.sqrt(aa * bb);
    }

    /** Mean next-token loss over the calibration samples with each block skipped, minus the loss with every block. */
    static float[] skipLoss(DecoderModel m, CalibrationSamples calib) {
        int layers = m.blockCount();
        double base = 0;
        double[] skipped = new double[layers];
        long predicted = 0;
        for (int[] ids : calib.samples()) {
            int n = ids.length;
            KvCache cache = new KvCache(m.config(), n);
            // The residual stream entering each block of the whole model: skipping block l resumes from block l's input.
            float[][] inputs = new float[layers + 1][];
            inputs[0] = m.embed(ids, 0, n, 0);
            for (int l = 0; l < layers; l++) {
                inputs[l + 1] = inputs[l].clone();
                m.forwardBlock(l, inputs[l + 1], n, cache, ProjectionTap.NONE);
            }
            base += nll(m, inputs[layers], ids);
            for (int l = 0; l < layers; l++) {
                float[] h = inputs[l].clone();
                for (int k = l + 1; k < layers; k++) m.forwardBlock(k, h, n, cache, ProjectionTap.NONE);
                skipped[l] += nll(m, h, ids);
            }
            predicted += n - 1;
        }
        float[] s = new float[layers];
        for (int l = 0; l < layers; l++) s[l] = (float) ((skipped[l] - base) / predicted);
        return s;
    }

    /** Summed negative log-likelihood of ids[1..] given the last block's output h. */
    private static double nll(DecoderModel m, float[] h, int[] ids) {
        int n = ids.length, vocab = m.config().vocabSize();
        float[] normed = m.finalNorm(h, n - 1);
        float[] logits = new float[(n - 1) * vocab];
        m.logits(normed, n - 1, logits);
        double s = 0;
        for (int t = 0; t < n - 1; t++) s -= Perplexity.logProb(logits, t * vocab, vocab, ids[t + 1]);
        return s;
    }
}
