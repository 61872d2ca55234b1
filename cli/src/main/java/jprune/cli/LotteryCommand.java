package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.io.Safetensors;
import jprune.nn.models.ModelConfig;
import jprune.nn.models.Models;
import jprune.nn.train.TrainConfig;
import jprune.nn.models.WeightInit;
import jprune.prune.LotteryRecipe;
import jprune.prune.LotteryTicket;
import jprune.prune.Scope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune lottery}: iterative magnitude pruning with rewinding, and its two controls. */
@Command(name = "lottery", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Find a lottery ticket: train, prune a fraction of the surviving weights by magnitude, rewind, retrain; repeat.",
                "Each round also trains the controls, with the ticket's recipe and budget: the ticket's mask on a fresh draw from the same initialiser, and a random mask at the same density.",
                "lenet-300-100 follows the lottery-ticket paper: Adam at a constant 1.2e-3, batch 60, Gaussian Glorot initialisation, each layer pruned on its own",
                "(the output layer at half the rate), and test accuracy also read at the iteration of minimum loss on 5,000 held-out training images.",
                "Other models: their train recipe, global magnitude, their own initialisers, accuracy at the end of training.",
                "Writes OUT/round-R/model.safetensors and OUT/metrics.json after every round, OUT/report.html at the end; --resume continues a killed run."})
final class LotteryCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "M", description = "lenet-300-100, lenet-5, convnet or vit-tiny.")
    String model;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "12", description = "Pruning rounds. Default: ${DEFAULT-VALUE} (0.8^12 = 6.9%% density at rate 0.2).")
    int rounds;

    @Option(names = "--rate", paramLabel = "P", defaultValue = "0.2", description = "Fraction of the surviving weights pruned per round, in (0, 1). Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--scope", paramLabel = "layer|global", description = "Prune each layer by the rate on its own, or rank all layers together. Default: layer for lenet-300-100 (the paper's), global otherwise.")
    String scope;

    @Option(names = "--output-rate", paramLabel = "P", description = "Rate for the output layer (the last weight), pruned on its own. Default: half of --rate for lenet-300-100 (the paper's), --rate otherwise.")
    Double outputRate;

    @Option(names = "--init", paramLabel = "model|glorot-normal", description = "Initialisation of the network and of the re-initialised control. Default: glorot-normal for lenet-300-100 (the paper's), model otherwise.")
    String init;

    @Option(names = "--validation", paramLabel = "N", description = "Training images held out to find each run's iteration of minimum validation loss (early stopping, read after the fact; training runs its full budget); 0 = none. "
            + "Default: 5000 for lenet-300-100 (a twelfth of the images with a smaller --train-limit), 0 otherwise.")
    Integer validation;

    @Option(names = "--eval-every", paramLabel = "K", defaultValue = "100", description = "Optimizer steps between validation checks. Default: ${DEFAULT-VALUE} (the paper's).")
    int evalEvery;

    @Option(names = "--rewind", paramLabel = "init|iter:K", defaultValue = "init", description = "Rewind survivors to initialisation or to step K of the first run. Default: ${DEFAULT-VALUE}.")
    String rewind;

    @Option(names = "--epochs", paramLabel = "E", defaultValue = "10", description = "Training epochs per run, the same for the ticket and both controls. Default: ${DEFAULT-VALUE} "
            + "(the paper trains lenet-300-100 for 50,000 iterations: --epochs 55 with its 55,000 images in batches of 60).")
    int epochs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--resume", description = "Continue after the last round OUT/metrics.json records.")
    boolean resume;

    @Option(names = "--train-limit", paramLabel = "N", defaultValue = "0", description = "Use only the first N training images (0 = all).")
    int trainLimit;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Mixin
    CommonOptions common;

    /** The recipe every run of this lottery follows, recorded in metrics.json. */
    private LotteryRecipe recipe;
    private LotteryTicket lottery;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        common.apply();
        if (!Models.NAMES.contains(model)) throw new UsageException("--model must be one of " + Models.NAMES + ", got '" + model + "'");
        if (rounds < 1) throw new UsageException("--rounds must be >= 1, got " + rounds);
        if (!(rate > 0 && rate < 1)) throw new UsageException("--rate must be in (0, 1), got " + rate);
        if (epochs < 1) throw new UsageException("--epochs must be >= 1, got " + epochs);
        if (outputRate != null && !(outputRate > 0 && outputRate < 1)) throw new UsageException("--output-rate must be in (0, 1), got " + outputRate);
        if (validation != null && validation < 0) throw new UsageException("--validation must be >= 0 images, got " + validation);
        if (evalEvery < 1) throw new UsageException("--eval-every must be >= 1 step, got " + evalEvery);
        LotteryRecipe rc = LotteryRecipe.defaults(model).withRate(rate).withRewindStep(rewindStep());
        rc = rc.withTrain(rc.train().withEpochs(epochs).withSeed(seed)).withEvalEvery(evalEvery);
        if (scope != null) {
            if (!scope.equals("layer") && !scope.equals("global")) throw new UsageException("--scope must be 'layer' or 'global', got '" + scope + "'");
            rc = rc.withScope(Scope.parse(scope));
        }
        if (init != null) {
            if (!WeightInit.names().contains(init)) throw new UsageException("--init must be one of " + WeightInit.names() + ", got '" + init + "'");
            rc = rc.withInit(WeightInit.parse(init));
        }
        if (outputRate != null) rc = rc.withOutputRate(outputRate);
        if (validation != null) rc = rc.withValidation(validation);
        Data.Splits data = common.load(trainLimit);
        if (validation != null && validation >= data.train().count())
            throw new UsageException("--validation " + validation + " must be fewer than the " + data.train().count() + " training images");
        ModelConfig config = Models.defaultConfig(model);
        this.recipe = rc;
        LotteryTicket lt = new LotteryTicket(config, rc, data.train(), data.test(), seed);
        this.lottery = lt;
        int firstRunSteps = epochs * new jprune.nn.data.Batches.Sizes(lt.trainImages(), rc.train().batchSize()).batchesPerEpoch();
        if (rc.rewindStep() > firstRunSteps)
            throw new UsageException("--rewind " + rewind + " is past the end of the first run: " + Metrics.plural(epochs, "epoch") + " of " + lt.trainImages()
                    + " images in batches of " + rc.train().batchSize() + " are " + firstRunSteps + " optimizer steps");
        Files.createDirectories(out);
        Path metricsFile = out.resolve("metrics.json"), rewindFile = out.resolve("rewind.safetensors");

        List<Object> done = new ArrayList<>();
        double denseAcc;
        LotteryTicket.Result dense;
        LotteryTicket.State state;
        if (resume && Files.exists(metricsFile) != Files.exists(rewindFile))
            throw new UsageException("--resume: " + out + " holds " + (Files.exists(metricsFile) ? "metrics.json but no rewind.safetensors" : "rewind.safetensors but no metrics.json")
                    + ", so its rounds cannot be continued; choose another --out");
        if (resume && !Files.exists(metricsFile))
            System.err.println("--resume: " + out + " holds no earlier run (metrics.json and rewind.safetensors), so this one starts from round 0");
        if (resume && Files.exists(metricsFile) && Files.exists(rewindFile)) {
            Map<String, Object> m = ResumeFile.read(metricsFile);
            ResumeFile.requireSame(metricsFile, m, settings());
            if (!(m.get("rounds") instanceof List<?>) || !(m.get("dense_test_accuracy") instanceof Number))
                throw new UsageException("--resume: " + metricsFile + " has no rounds of a lottery run; choose another --out");
            done.addAll((List<Object>) m.get("rounds"));
            denseAcc = ((Number) m.get("dense_test_accuracy")).doubleValue();
            dense = m.get("dense_early_stop_test_accuracy") instanceof Number es
                    ? new LotteryTicket.Result(denseAcc, es.doubleValue(), ((Number) m.get("dense_early_stop_iteration")).intValue())
                    : new LotteryTicket.Result(denseAcc, Double.NaN, -1);
            Path last = out.resolve("round-" + done.size()).resolve("model.safetensors");
            state = new LotteryTicket.State(Safetensors.read(rewindFile).tensors(), ModelCheckpoint.load(last).model());
            System.err.println("resuming after round " + done.size());
        } else {
            System.err.printf(Locale.ROOT, "round 0: training dense %s for %s%n", model, Metrics.plural(epochs, "epoch"));
            state = lt.start();
            dense = state.dense();
            denseAcc = dense.testAccuracy();
            Safetensors.write(rewindFile, state.rewind(), Map.of("rewind", rewind));
            ModelCheckpoint.save(out.resolve("round-0").resolve("model.safetensors"), config, state.ticket(), Map.of());
            write(metricsFile, dense, done);
            if (dense.earlyStopIteration() > 0)
                System.err.printf(Locale.ROOT, "round 0: dense %.2f%% at the end, %.2f%% at its early-stopping iteration %d%n",
                        100 * denseAcc, 100 * dense.earlyStopAccuracy(), dense.earlyStopIteration());
        }
        for (int r = done.size() + 1; r <= rounds; r++) {
            LotteryTicket.Round rd = lt.round(r, state);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("round", r);
            e.put("density", rd.density());
            e.put("sparsity", 1 - rd.density());
            e.put("test_accuracy", rd.ticketAccuracy());
            e.put("reinit_test_accuracy", rd.reinitAccuracy());
            e.put("random_mask_test_accuracy", rd.randomMaskAccuracy());
            e.put("layer_density", rd.layerDensity());
            if (rd.ticket().earlyStopIteration() > 0) {
                e.put("early_stop_test_accuracy", rd.ticket().earlyStopAccuracy());
                e.put("reinit_early_stop_test_accuracy", rd.reinit().earlyStopAccuracy());
                e.put("random_mask_early_stop_test_accuracy", rd.randomMask().earlyStopAccuracy());
                e.put("early_stop_iteration", rd.ticket().earlyStopIteration());
                e.put("reinit_early_stop_iteration", rd.reinit().earlyStopIteration());
                e.put("random_mask_early_stop_iteration", rd.randomMask().earlyStopIteration());
            }
            e.put("seconds", rd.seconds());
            done.add(e);
            ModelCheckpoint.save(out.resolve("round-" + r).resolve("model.safetensors"), config, state.ticket(), Map.of());
            write(metricsFile, dense, done);
            System.err.printf(Locale.ROOT, "round %d: density %.2f%%  ticket %.2f%%  reinit %.2f%%  random mask %.2f%%  (dense %.2f%%, %.0f s)%n", r,
                    100 * rd.density(), 100 * rd.ticketAccuracy(), 100 * rd.reinitAccuracy(), 100 * rd.randomMaskAccuracy(), 100 * denseAcc, rd.seconds());
            if (rd.ticket().earlyStopIteration() > 0)
                System.err.printf(Locale.ROOT, "  at early stopping: ticket %.2f%% (it. %d)  reinit %.2f%% (it. %d)  random mask %.2f%% (it. %d)  (dense %.2f%%)%n",
                        100 * rd.ticket().earlyStopAccuracy(), rd.ticket().earlyStopIteration(), 100 * rd.reinit().earlyStopAccuracy(),
                        rd.reinit().earlyStopIteration(), 100 * rd.randomMask().earlyStopAccuracy(), rd.randomMask().earlyStopIteration(),
                        100 * dense.earlyStopAccuracy());
        }
        LotteryReport.write(out.resolve("report.html"), metrics(dense, done));
        System.out.println("wrote " + metricsFile + " and " + out.resolve("report.html"));
        return 0;
    }

    int rewindStep() {
        if (rewind.equals("init")) return 0;
        if (rewind.startsWith("iter:")) {
            try {
                int k = Integer.parseInt(rewind.substring(5));
                if (k >= 1) return k;
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new UsageException("--rewind must be 'init' or 'iter:K' with K >= 1 optimizer steps, got '" + rewind + "'");
    }

    private void write(Path file, LotteryTicket.Result dense, List<Object> done) throws java.io.IOException {
        AtomicFiles.writeString(file, Json.write(metrics(dense, done), true));
    }

    /**
     * What the run was started with: recorded in metrics.json and checked by --resume ({@link ResumeFile}),
     * which continues a run only with these (--rounds may grow): a ticket whose rounds ran under different
     * rates, budgets or seeds would be no experiment at all.
     */
    private Map<String, Object> settings() {
        TrainConfig training = recipe.train();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("dataset", Data.FASHION_MNIST);
        m.put("rate", rate);
        m.put("output_rate", recipe.outputRate());
        m.put("scope", recipe.scope().name().toLowerCase(Locale.ROOT));
        m.put("init", recipe.init().id());
        m.put("rewind", rewind);
        m.put("epochs", epochs);
        m.put("train_images", lottery.trainImages());
        m.put("validation_images", lottery.validationImages());
        m.put("eval_every", recipe.evalEvery());
        m.put("optimizer", training.optimizer().id());
        m.put("lr", training.lr());
        m.put("lr_schedule", training.schedule().id());
        m.put("batch", training.batchSize());
        m.put("weight_decay", training.weightDecay());
        m.put("seed", seed);
        return m;
    }

    private Map<String, Object> metrics(LotteryTicket.Result dense, List<Object> done) {
        Map<String, Object> m = settings();
        m.put("dense_test_accuracy", dense.testAccuracy());
        if (dense.earlyStopIteration() > 0) {
            m.put("dense_early_stop_test_accuracy", dense.earlyStopAccuracy());
            m.put("dense_early_stop_iteration", dense.earlyStopIteration());
        }
        m.put("rounds", done);
        return m;
    }
}
