package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.nn.Module;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import jprune.prune.PruneRun;
import jprune.prune.PruneSpec;
import jprune.prune.Scope;
import jprune.prune.SparsitySchedule;
import jprune.prune.SparsityStats;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jprune sweep}: one-shot pruning of the same dense model at every sparsity × criterion,
 * each point measured before and after fine-tuning. Points are saved as they finish; --resume skips
 * the ones a killed run already wrote.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prune one dense model at several sparsities with several criteria (one-shot), with and without fine-tuning.",
                "Writes OUT/metrics.json (points: criterion, sparsity, accuracy before and after fine-tuning) after every point, and OUT/report.html."})
final class SweepCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    DenseSource source;

    @Option(names = "--sparsities", paramLabel = "S,S,...", split = ",", defaultValue = "0.5,0.8,0.9,0.95,0.98", description = "Sparsities. Default: ${DEFAULT-VALUE}.")
    List<Double> sparsities;

    @Option(names = "--criteria", paramLabel = "C,C,...", split = ",", defaultValue = "magnitude,random,taylor,obd", description = "Criteria (as for prune --criterion, movement excepted). Default: ${DEFAULT-VALUE}.")
    List<String> criteria;

    @Option(names = "--scope", paramLabel = "S", defaultValue = "global", description = "layer or global. Default: ${DEFAULT-VALUE}.")
    String scope;

    @Option(names = "--finetune-epochs", paramLabel = "E", defaultValue = "3", description = "Fine-tuning epochs per point. Default: ${DEFAULT-VALUE}.")
    int finetuneEpochs;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "0.01", description = "Fine-tuning learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--resume", description = "Keep the points OUT/metrics.json already holds and run only the missing ones.")
    boolean resume;

    @Option(names = "--train-limit", paramLabel = "N", defaultValue = "0", description = "Use only the first N training images (0 = all).")
    int trainLimit;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Mixin
    CommonOptions common;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        common.apply();
        for (String c : criteria) {
            if (!jprune.prune.Criteria.NAMES.contains(c)) throw new UsageException("--criteria: '" + c + "' is not one of " + jprune.prune.Criteria.NAMES);
            if (c.equals("movement")) throw new UsageException("--criteria: movement needs gradual pruning during fine-tuning; a one-shot sweep cannot use it");
            if (jprune.prune.Criteria.GROUP_ONLY.contains(c))
                throw new UsageException("--criteria: " + c + " scores groups (heads, neurons, blocks), and a sweep prunes single weights");
        }
        if (criteria.isEmpty()) throw new UsageException("--criteria: give at least one criterion");
        if (sparsities.isEmpty()) throw new UsageException("--sparsities: give at least one sparsity");
        for (double s : sparsities) if (!(s >= 0 && s < 1)) throw new UsageException("--sparsities: " + s + " is outside [0, 1)");
        if (finetuneEpochs < 0) throw new UsageException("--finetune-epochs must be >= 0, got " + finetuneEpochs);
        Scope sc;
        TrainConfig finetune;
        try {
            sc = Scope.parse(scope);
            finetune = TrainConfig.builder().epochs(finetuneEpochs).batchSize(128).lr(lr).optimizer("sgd").schedule("cosine").momentum(0.9)
                    .nesterov(true).weightDecay(1e-4).seed(seed).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        source.checkOut(out);
        Data.Splits data = common.load(trainLimit);
        Files.createDirectories(out);
        Path denseFile = source.checkpoint(out, seed, data, common.threads());
        ModelCheckpoint.Loaded dense = ModelCheckpoint.load(denseFile);
        double denseAcc = Trainer.accuracy(dense.model(), data.test(), 256);

        Path metricsFile = out.resolve("metrics.json");
        List<Object> points = new ArrayList<>();
        Map<String, Object> settings = settings(dense.config().name(), data);
        if (resume && Files.exists(metricsFile)) {
            Map<String, Object> old = ResumeFile.read(metricsFile);
            // The source is recorded as given; "dense", "./dense" and its absolute path are one model.
            Map<String, Object> now = new LinkedHashMap<>(settings);
            if (old.get("source") instanceof String was && source.from != null && !was.startsWith("--model ")
                    && Path.of(was).toAbsolutePath().normalize().equals(source.from.toAbsolutePath().normalize()))
                now.put("source", was);
            ResumeFile.requireSame(metricsFile, old, now);
            if (!(old.get("points") instanceof List<?> l) || !l.stream().allMatch(SweepCommand::isPoint))
                throw new UsageException("--resume: " + metricsFile + " has no list of sweep points; choose another --out");
            points.addAll(l);
            System.err.println("resuming: " + points.size() + " points already done");
        }
        for (String c : criteria) {
            for (double s : sparsities) {
                if (done(points, c, s)) continue;
                Module model = ModelCheckpoint.load(denseFile).model();
                long start = System.nanoTime();
                List<PruneRun.Round> r = new PruneRun(model, jprune.prune.Criteria.byName(c, seed), PruneSpec.of(s, sc), new SparsitySchedule.OneShot(),
                        finetune, data.train(), data.test()).run(null);
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("criterion", c);
                p.put("sparsity", s);
                p.put("achieved_sparsity", SparsityStats.of(model).sparsity());
                p.put("test_accuracy_no_finetune", r.get(0).accuracyBeforeFinetune());
                p.put("test_accuracy", r.get(0).accuracy());
                p.put("seconds", (System.nanoTime() - start) / 1e9);
                points.add(p);
                System.err.printf(Locale.ROOT, "%-12s %5.1f%%: %6.2f%% without fine-tuning, %6.2f%% after %s%n", c, 100 * s,
                        100 * r.get(0).accuracyBeforeFinetune(), 100 * r.get(0).accuracy(), Metrics.plural(finetuneEpochs, "epoch"));
                write(metricsFile, settings, denseAcc, points);
            }
        }
        write(metricsFile, settings, denseAcc, points);
        SweepReport.write(out.resolve("report.html"), metrics(settings, denseAcc, points));
        printTable(points, denseAcc);
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static boolean done(List<Object> points, String criterion, double sparsity) {
        for (Object o : points) {
            Map<String, Object> p = (Map<String, Object>) o;
            if (criterion.equals(p.get("criterion")) && ((Number) p.get("sparsity")).doubleValue() == sparsity) return true;
        }
        return false;
    }

    private static boolean isPoint(Object o) {
        return o instanceof Map<?, ?> p && p.get("criterion") instanceof String && p.get("sparsity") instanceof Number;
    }

    private void write(Path file, Map<String, Object> settings, double denseAcc, List<Object> points) throws java.io.IOException {
        AtomicFiles.writeString(file, Json.write(metrics(settings, denseAcc, points), true));
    }

    /**
     * What every point of the sweep shares: recorded in metrics.json and checked by --resume, so a
     * resumed sweep never mixes points measured on another model, data or recipe.
     */
    private Map<String, Object> settings(String model, Data.Splits data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        // As given, like a prune recipe's "from": the same command in another directory writes the same file.
        m.put("source", source.from != null ? source.from.toString() : "--model " + source.model);
        m.put("dataset", Data.FASHION_MNIST);
        m.put("schedule", "oneshot");
        m.put("scope", scope);
        m.put("finetune_epochs", finetuneEpochs);
        m.put("lr", lr);
        m.put("seed", seed);
        m.put("train_images", data.train().count());
        m.put("test_images", data.test().count());
        return m;
    }

    private static Map<String, Object> metrics(Map<String, Object> settings, double denseAcc, List<Object> points) {
        Map<String, Object> m = new LinkedHashMap<>(settings);
        m.put("dense_test_accuracy", denseAcc);
        m.put("points", points);
        return m;
    }

    @SuppressWarnings("unchecked")
    private void printTable(List<Object> points, double denseAcc) {
        System.out.printf(Locale.ROOT, "dense test accuracy %.2f%%; test accuracy (no fine-tuning / after %s):%n", 100 * denseAcc, Metrics.plural(finetuneEpochs, "epoch"));
        System.out.printf(Locale.ROOT, "%-14s", "sparsity");
        for (String c : criteria) System.out.printf(Locale.ROOT, " %22s", c);
        System.out.println();
        for (double s : sparsities) {
            System.out.printf(Locale.ROOT, "%-14s", String.format(Locale.ROOT, "%.1f%%", 100 * s));
            for (String c : criteria) {
                for (Object o : points) {
                    Map<String, Object> p = (Map<String, Object>) o;
                    if (c.equals(p.get("criterion")) && ((Number) p.get("sparsity")).doubleValue() == s)
                        System.out.printf(Locale.ROOT, " %10.2f%% / %7.2f%%", 100 * ((Number) p.get("test_accuracy_no_finetune")).doubleValue(),
                                100 * ((Number) p.get("test_accuracy")).doubleValue());
                }
            }
            System.out.println();
        }
    }
}
