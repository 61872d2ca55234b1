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
import jprune.prune.LotteryTicket;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune lottery}: iterative magnitude pruning with rewinding, and its two controls. */
@Command(name = "lottery", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Find a lottery ticket: train, prune a fraction of the surviving weights (global magnitude), rewind, retrain; repeat.",
                "Each round also trains the controls: the ticket's mask with a random re-initialisation, and a random mask at the same density.",
                "Training: lenet-300-100 as in the lottery-ticket paper (Adam, constant lr 1.2e-3, batch 60); other models with their train recipe.",
                "Writes OUT/round-R/model.safetensors and OUT/metrics.json after every round, OUT/report.html at the end; --resume continues a killed run."})
final class LotteryCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "M", description = "lenet-300-100, lenet-5, convnet or vit-tiny.")
    String model;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "12", description = "Pruning rounds. Default: ${DEFAULT-VALUE} (0.8^12 = 6.9%% density at rate 0.2).")
    int rounds;

    @Option(names = "--rate", paramLabel = "P", defaultValue = "0.2", description = "Fraction of the surviving weights pruned per round, in (0, 1). Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--rewind", paramLabel = "init|iter:K", defaultValue = "init", description = "Rewind survivors to initialisation or to step K of the first run. Default: ${DEFAULT-VALUE}.")
    String rewind;

    @Option(names = "--epochs", paramLabel = "E", defaultValue = "10", description = "Training epochs per run. Default: ${DEFAULT-VALUE}.")
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

    /** The recipe every run of this lottery trains with, recorded in metrics.json. */
    private TrainConfig training;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        common.apply();
        if (!Models.NAMES.contains(model)) throw new UsageException("--model must be one of " + Models.NAMES + ", got '" + model + "'");
        if (rounds < 1) throw new UsageException("--rounds must be >= 1, got " + rounds);
        if (!(rate > 0 && rate < 1)) throw new UsageException("--rate must be in (0, 1), got " + rate);
        if (epochs < 1) throw new UsageException("--epochs must be >= 1, got " + epochs);
        int rewindStep = rewindStep();
        Data.Splits data = common.load(trainLimit);
        ModelConfig config = Models.defaultConfig(model);
        TrainConfig train = LotteryTicket.defaultTraining(model).withEpochs(epochs).withSeed(seed);
        this.training = train;
        LotteryTicket lt = new LotteryTicket(config, train, data.train(), data.test(), seed, rewindStep, rate);
        Files.createDirectories(out);
        Path metricsFile = out.resolve("metrics.json"), rewindFile = out.resolve("rewind.safetensors");

        List<Object> done = new ArrayList<>();
        double denseAcc;
        LotteryTicket.State state;
        if (resume && Files.exists(metricsFile) && Files.exists(rewindFile)) {
            Map<String, Object> m = Json.parseObject(Files.readString(metricsFile));
            done.addAll((List<Object>) m.get("rounds"));
            denseAcc = ((Number) m.get("dense_test_accuracy")).doubleValue();
            Path last = out.resolve("round-" + done.size()).resolve("model.safetensors");
            state = new LotteryTicket.State(Safetensors.read(rewindFile).tensors(), ModelCheckpoint.load(last).model());
            System.err.println("resuming after round " + done.size());
        } else {
            System.err.printf(Locale.ROOT, "round 0: training dense %s for %d epochs%n", model, epochs);
            state = lt.start();
            denseAcc = lt.accuracy(state.ticket());
            Safetensors.write(rewindFile, state.rewind(), Map.of("rewind", rewind));
            ModelCheckpoint.save(out.resolve("round-0").resolve("model.safetensors"), config, state.ticket(), Map.of());
            write(metricsFile, denseAcc, done);
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
            e.put("seconds", rd.seconds());
            done.add(e);
            ModelCheckpoint.save(out.resolve("round-" + r).resolve("model.safetensors"), config, state.ticket(), Map.of());
            write(metricsFile, denseAcc, done);
            System.err.printf(Locale.ROOT, "round %d: density %.2f%%  ticket %.2f%%  reinit %.2f%%  random mask %.2f%%  (dense %.2f%%, %.0f s)%n", r,
                    100 * rd.density(), 100 * rd.ticketAccuracy(), 100 * rd.reinitAccuracy(), 100 * rd.randomMaskAccuracy(), 100 * denseAcc, rd.seconds());
        }
        LotteryReport.write(out.resolve("report.html"), metrics(denseAcc, done));
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

    private void write(Path file, double denseAcc, List<Object> done) throws java.io.IOException {
        AtomicFiles.writeString(file, Json.write(metrics(denseAcc, done), true));
    }

    private Map<String, Object> metrics(double denseAcc, List<Object> done) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("dataset", Data.FASHION_MNIST);
        m.put("rate", rate);
        m.put("rewind", rewind);
        m.put("epochs", epochs);
        m.put("optimizer", training.optimizer().id());
        m.put("lr", training.lr());
        m.put("lr_schedule", training.schedule().id());
        m.put("batch", training.batchSize());
        m.put("weight_decay", training.weightDecay());
        m.put("seed", seed);
        m.put("dense_test_accuracy", denseAcc);
        m.put("rounds", done);
        return m;
    }
}
