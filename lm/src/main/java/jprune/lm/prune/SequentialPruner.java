package jprune.lm.prune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.hf.HfCheckpointWriter;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.KvCache;
import jprune.lm.model.Projection;
import jprune.lm.model.ProjectionTap;

/**
 * One-shot pruning of a decoder model block by block, as the SparseGPT and Wanda papers do it: the
 * calibration samples are embedded, then for each block in order
 * <ol>
 * <li>the block runs (as it is, dense) on every sample while a tap gathers each selected
 * projection's input statistics (projections that read the same input share them);</li>
 * <li>every selected projection of the block is pruned;</li>
 * <li>each pruned projection's reconstruction error ‖WX − ŴX‖²/‖WX‖² is measured on an evenly
 * spread subset of the inputs it was pruned for (every k-th calibration token, at most
 * {@link #ERROR_TOKENS}; all of them when there are fewer), kept in step 1;</li>
 * <li>the pruned block (weights rounded to the checkpoint's dtype) runs on every sample, and its
 * outputs are the next block's calibration inputs.</li>
 * </ol>
 * Only the current block's inputs and statistics are in memory; weights stay mapped and pruned
 * ones go to a {@link PrunedTensorStore}, mapped only while their block runs. The blocks of the
 * model passed in are never changed; block l of the pruned model is only run inside step 4.
 */
public final class SequentialPruner {

    /** One pruned projection. shape is as stored in the checkpoint. */
    public record LayerResult(String name, long[] shape, long weights, long zeros, double seconds, double reconstructionError) {
        public double sparsity() {
            return weights == 0 ? 0 : (double) zeros / weights;
        }
    }

    /**
     * Every pruned projection (its weights are in the store under the tensor name, the projection's
     * name + ".weight") and the time taken.
     */
    public record Result(List<LayerResult> layers, double seconds) {
        /** Zeros over all pruned projections' weights. */
        public double sparsity() {
            long w = 0, z = 0;
            for (LayerResult l : layers) {
                w += l.weights();
                z += l.zeros();
            }
            return w == 0 ? 0 : (double) z / w;
        }
    }

    /** Called after each block. */
    public interface Progress {
        void block(int done, int total, List<LayerResult> layers);
    }

    /** Most calibration tokens per input on which reconstruction errors are measured. */
    public static final int ERROR_TOKENS = 1024;

    private final OneShotSettings settings;

    /** Every how many calibration tokens one is kept for the reconstruction error. */
    static int errorStride(long tokens) {
        return (int) Math.max(1, (tokens + ERROR_TOKENS - 1) / ERROR_TOKENS);
    }

    /** On how many of tokens calibration tokens the reconstruction errors are measured. */
    public static long errorTokens(long tokens) {
        long stride = errorStride(tokens);
        return Math.min(ERROR_TOKENS, (tokens + stride - 1) / stride);
    }

    public SequentialPruner(OneShotSettings settings) {
        this.settings = java.util.Objects.requireNonNull(settings, "settings");
    }

    /** The projections the settings select, or an error naming --layers / --skip if there are none. */
    public List<Projection> selected(DecoderModel model) {
        List<Projection> out = new ArrayList<>();
        for (int l = 0; l < model.blockCount(); l++)
            for (Projection p : model.projections(l)) if (settings.selects(p.name())) out.add(p);
        if (out.isEmpty()) throw new IllegalArgumentException("--layers/--skip select no projection (names look like "
                + model.projections(0).get(0).name() + ")");
        for (Projection p : out) settings.pattern().checkWidth(p.name(), p.in());
        return out;
    }

    /**
     * The whole one-shot flow in one call: prunes model (opened from src) as {@link #run} does and writes
     * the result to out as a checkpoint in src's layout (dtypes, shards, tokenizer files copied). The
     * pruned tensors wait in a temporary store beside out, so memory stays bounded by a block. out must
     * be new, empty or a checkpoint ({@link HfCheckpointWriter#checkReplaceable}), and not src's directory.
     */
    public Result pruneInto(HfCheckpoint src, DecoderModel model, CalibrationSamples calibration, Path out, Progress progress) throws IOException {
        if (Files.exists(out) && Files.exists(src.dir()) && Files.isSameFile(out, src.dir()))
            throw new IllegalArgumentException("out is the source checkpoint's directory; write the pruned model elsewhere");
        HfCheckpointWriter.checkReplaceable(out);
        try (PrunedTensorStore store = new PrunedTensorStore(out.toAbsolutePath().normalize().getParent())) {
            Result r = run(model, calibration, store, progress);
            Map<String, HfCheckpointWriter.Fill> fills = new LinkedHashMap<>();
            for (String name : store.names()) fills.put(name, dst -> store.copyTo(name, dst));
            HfCheckpointWriter.rewrite(src, out, fills);
            return r;
        }
    }

    /**
     * Prunes every selected projection. calibration may be null for magnitude pruning, which then
     * runs no forward pass at all (and measures no reconstruction error: NaN).
     */
    public Result run(DecoderModel model, CalibrationSamples calibration, PrunedTensorStore store, Progress progress) throws IOException {
        long t0 = System.nanoTime();
        List<Projection> chosen = selected(model);
        if (calibration == null && settings.method().needsCalibration())
            throw new IllegalArgumentException("--calib is required for --method " + settings.method().cliName());
        List<int[]> samples = calibration == null ? List.of() : calibration.samples();
        int longest = calibration == null ? 1 : calibration.longest();
        if (model.config().family() == jprune.lm.model.LmConfig.Family.GPT2 && longest > model.config().maxPositions())
            throw new IllegalArgumentException("a calibration sample of " + longest + " tokens exceeds the model's " + model.config().maxPositions() + " positions");
        float[][] hidden = new float[samples.size()][];
        for (int s = 0; s < hidden.length; s++) hidden[s] = model.embed(samples.get(s), 0, samples.get(s).length, 0);
        KvCache cache = new KvCache(model.config(), longest);
        int stride = calibration == null ? 1 : errorStride(calibration.tokens());
        List<LayerResult> results = new ArrayList<>();
        DecoderModel current = model;
        for (int l = 0; l < model.blockCount(); l++) {
            List<Projection> targets = new ArrayList<>();
            for (Projection p : current.projections(l)) if (chosen.contains(p)) targets.add(p);
            List<LayerResult> blockResults = new ArrayList<>();
            if (!targets.isEmpty()) {
                Map<Projection, InputStatistics> stats = gather(current, l, targets, samples, hidden, cache, stride);
                Map<String, Projection> pruned = new LinkedHashMap<>();
                Map<InputStatistics, SparseGptPruner.Factor> factors = new IdentityHashMap<>();
                for (Projection p : targets) {
                    long s0 = System.nanoTime();
                    float[] w = p.toOutIn();
                    prune(p, w, stats.get(p), factors);
                    Projection q = p.withWeights(w, store.allocate(p.name() + ".weight", p.weightBytes()));
                    pruned.put(p.name(), q);
                    double seconds = (System.nanoTime() - s0) / 1e9;
                    double err = reconstructionError(p, q, stats.get(p));
                    long[] shape = p.layout() == Projection.Layout.OUT_IN ? new long[] {p.out(), p.in()} : new long[] {p.in(), p.out()};
                    blockResults.add(new LayerResult(p.name(), shape, (long) p.out() * p.in(), zeros(q), seconds, err));
                }
                factors.clear();
                stats.clear();
                current = current.withProjections(l, pruned);
            }
            for (int s = 0; s < samples.size(); s++) current.forwardBlock(l, hidden[s], samples.get(s).length, cache, ProjectionTap.NONE);
            store.endBlock();
            results.addAll(blockResults);
            if (progress != null) progress.block(l + 1, model.blockCount(), blockResults);
        }
        return new Result(results, (System.nanoTime() - t0) / 1e9);
    }

    /** Runs block l on every sample (on copies) and gathers the targets' input statistics. */
    private Map<Projection, InputStatistics> gather(DecoderModel model, int l, List<Projection> targets, List<int[]> samples, float[][] hidden,
                                                    KvCache cache, int stride) {
        Map<Projection, InputStatistics> stats = new IdentityHashMap<>();
        boolean gram = settings.method().needsGram();
        for (int s = 0; s < samples.size(); s++) {
            var last = new Object() {
                float[] input;
                InputStatistics stats;
            };
            model.forwardBlock(l, hidden[s].clone(), samples.get(s).length, cache, (p, x, tokens) -> {
                if (!targets.contains(p)) return;
                boolean sameInput = x == last.input;
                // Projections fed the same array one after another (q, k and v; gate and up) share one set of statistics.
                InputStatistics st = stats.computeIfAbsent(p, k -> sameInput ? last.stats : new InputStatistics(p.in(), gram, stride, ERROR_TOKENS));
                if (!(sameInput && st == last.stats)) st.add(x, tokens);
                last.input = x;
                last.stats = st;
            });
        }
        for (InputStatistics st : stats.values()) st.releaseBuffers();
        return stats;
    }

    private void prune(Projection p, float[] w, InputStatistics stats, Map<InputStatistics, SparseGptPruner.Factor> factors) {
        int out = p.out(), in = p.in();
        switch (settings.method()) {
            case MAGNITUDE -> MagnitudePruner.prune(w, out, in, settings.pattern());
            case WANDA -> WandaPruner.prune(w, out, in, stats, settings.pattern());
            case SPARSEGPT -> {
                SparseGptPruner.Factor f = factors.computeIfAbsent(stats, st -> SparseGptPruner.factor(st, settings.percdamp()));
                SparseGptPruner.prune(w, out, in, f, settings.pattern(), settings.blocksize());
            }
        }
    }

    /** Σ‖Wx − Ŵx‖² / Σ‖Wx‖² (no bias) over the kept input rows; NaN without any. */
    private static double reconstructionError(Projection dense, Projection pruned, InputStatistics stats) {
        int rows = stats == null ? 0 : stats.sampledRowCount(), out = dense.out();
        if (rows == 0) return Double.NaN;
        float[] x = stats.sampledRows(), y = new float[rows * out], yp = new float[rows * out];
        dense.forward(x, rows, y);
        pruned.forward(x, rows, yp);
        float[] bias = dense.bias();
        double diff = 0, ref = 0;
        for (int t = 0; t < rows; t++) {
            for (int o = 0; o < out; o++) {
                double v = y[t * out + o], d = v - yp[t * out + o];
                if (bias != null) v -= bias[o];
                diff += d * d;
                ref += v * v;
            }
        }
        return ref == 0 ? 0 : diff / ref;
    }

    private static long zeros(Projection p) {
        long n = (long) p.out() * p.in(), z = 0;
        for (long i = 0; i < n; i++) if (p.dtype().get(p.weights(), i) == 0f) z++;
        return z;
    }
}
