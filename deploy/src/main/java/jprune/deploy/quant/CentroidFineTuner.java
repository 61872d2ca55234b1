package jprune.deploy.quant;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.data.Batches;
import jprune.nn.data.DataSplit;
import jprune.nn.optim.LrSchedule;
import jprune.nn.train.EpochRecord;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import jprune.nn.train.TrainingListener;
import jprune.prune.Prunable;

/**
 * Trained quantization (Deep Compression's second stage): weight-shares a model's layers and then
 * fine-tunes the codebooks on training data while every other parameter (biases, norms) trains as
 * usual.
 *
 * <p>It rides on the ordinary {@link Trainer}: after each optimizer step a step hook, which still
 * sees the step's gradients, moves each codebook by plain SGD on its summed gradient
 * ({@link SharedWeights#applyGradient}) and then overwrites the layer's weight with the decoded
 * codebook. The optimizer's own update of a shared weight is thus discarded, so the weight always
 * equals its codebook (zeros included) at every forward pass. The gradient is the parameter's dense
 * row-major gradient, laid out like its value; the optimizer has already zeroed it at masked entries,
 * which are zero weights and so take no part anyway. L1/L2 penalties are in that gradient; the
 * optimizer's weight decay is not.
 *
 * <p>The centroid learning rate is the trainer's scheduled rate times a scale; scale 0 freezes the
 * codebooks (only the other parameters train), the baseline fine-tuning is measured against.
 */
public final class CentroidFineTuner {
    private final LinkedHashMap<String, Parameter> layers;
    private final LinkedHashMap<String, SharedWeights> shared = new LinkedHashMap<>();
    private final double lrScale;

    /**
     * Weight-shares each named parameter with the quantizer and writes the shared weights into the
     * parameters, so the model computes with them from now on.
     */
    public CentroidFineTuner(Map<String, Parameter> weights, KMeansQuantizer quantizer, double centroidLrScale) {
        if (!(centroidLrScale >= 0) || Double.isInfinite(centroidLrScale))
            throw new IllegalArgumentException("centroid learning-rate scale must be finite and >= 0, got " + centroidLrScale);
        if (weights.isEmpty()) throw new IllegalArgumentException("no layers to quantize");
        this.layers = new LinkedHashMap<>(weights);
        this.lrScale = centroidLrScale;
        layers.forEach((name, p) -> {
            SharedWeights s = quantizer.quantize(p.value().data());
            shared.put(name, s);
            s.decodeInto(p.value().data());
        });
    }

    /** Weight-shares all prunable weights of the model (see {@link Prunable#weights}). */
    public static CentroidFineTuner forModel(Module model, KMeansQuantizer quantizer, double centroidLrScale) {
        return new CentroidFineTuner(Prunable.weights(model), quantizer, centroidLrScale);
    }

    /** The shared weights by parameter name, live: they change as fine-tuning moves the codebooks. */
    public Map<String, SharedWeights> sharedWeights() {
        return Collections.unmodifiableMap(shared);
    }

    /**
     * Moves every codebook by −lr · scale · (its summed gradient), using each parameter's current
     * gradient (layers without one keep their codebook), then rewrites every shared weight.
     */
    public void step(double lr) {
        double clr = lr * lrScale;
        layers.forEach((name, p) -> {
            SharedWeights s = shared.get(name);
            if (clr != 0 && p.grad() != null) s.applyGradient(p.grad().data(), clr);
            s.decodeInto(p.value().data());
        });
    }

    /** A step hook calling {@link #step} with the schedule's rate for the step just taken. */
    public Trainer.StepHook hook(LrSchedule schedule) {
        return (globalStep, epoch) -> step(schedule.lr(globalStep));
    }

    /**
     * Runs the trainer on the model with this fine-tuner hooked in, centroids following the run's own
     * learning-rate schedule. The model must own every shared parameter.
     */
    public List<EpochRecord> fit(Module model, TrainConfig cfg, DataSplit train, DataSplit test, TrainingListener listener) {
        Map<Parameter, Boolean> owned = new IdentityHashMap<>();
        for (Parameter p : model.parameters()) owned.put(p, true);
        layers.forEach((name, p) -> {
            if (!owned.containsKey(p)) throw new IllegalArgumentException("shared layer '" + name + "' is not a parameter of the model being trained");
        });
        int perEpoch = new Batches.Sizes(train.count(), cfg.batchSize()).batchesPerEpoch();
        return new Trainer(model, cfg, train, test, listener).addStepHook(hook(Trainer.schedule(cfg, perEpoch))).fit();
    }
}
