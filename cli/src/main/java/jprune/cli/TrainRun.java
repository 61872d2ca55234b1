package jprune.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.models.ModelConfig;
import jprune.nn.models.Models;
import jprune.nn.train.EpochRecord;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;

/** Trains a model and writes its checkpoint and metrics; shared by {@code train} and {@code demo}. */
final class TrainRun {
    private TrainRun() {}

    record Result(Module model, ModelConfig config, double testAccuracy, double trainSeconds, double secondsPerEpoch,
                  Map<String, Object> metrics) {}

    static Result run(String modelName, TrainConfig cfg, Data.Splits data, Path out, int threads, PrintStream progress) throws IOException {
        Files.createDirectories(out);
        ModelConfig mc = Models.defaultConfig(modelName);
        Module model = Models.build(mc, cfg.seed());
        progress.printf("training %s (%,d parameters) on %d images, %s, batch %d, %s lr %s, %s schedule, %d threads%n",
                modelName, model.parameterCount(), data.train().count(), Metrics.plural(cfg.epochs(), "epoch"), cfg.batchSize(), cfg.optimizer(), cfg.lr(), cfg.schedule(), threads);
        long start = System.nanoTime();
        List<EpochRecord> history = new Trainer(model, cfg, data.train(), data.test(), new ProgressBar(progress, cfg.epochs())).fit();
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        double acc = history.isEmpty() ? Trainer.accuracy(model, data.test(), 256) : history.get(history.size() - 1).testAccuracy();
        double epochSeconds = 0;
        for (EpochRecord r : history) epochSeconds += r.seconds();
        double perEpoch = history.isEmpty() ? 0 : epochSeconds / history.size();

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", modelName);
        m.put("dataset", Data.FASHION_MNIST);
        m.put("epochs", cfg.epochs());
        m.put("test_accuracy", acc);
        m.put("train_seconds", trainSeconds);
        m.put("seconds_per_epoch", perEpoch);
        m.put("params_total", model.parameterCount());
        m.put("train_samples", data.train().count());
        m.put("test_samples", data.test().count());
        m.put("threads", threads);
        m.put("config", trainConfigMap(cfg));
        m.put("model_config", mc.toMap());
        List<Object> hist = new ArrayList<>();
        for (EpochRecord r : history) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("epoch", r.epoch());
            e.put("loss", r.loss());
            e.put("test_accuracy", r.testAccuracy());
            e.put("seconds", r.seconds());
            hist.add(e);
        }
        m.put("history", hist);

        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("training", Json.write(trainConfigMap(cfg), false));
        meta.put("test_accuracy", Double.toString(acc));
        ModelCheckpoint.save(out.resolve("model.safetensors"), mc, model, meta);
        AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(m, true));
        return new Result(model, mc, acc, trainSeconds, perEpoch, m);
    }

    static Map<String, Object> trainConfigMap(TrainConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", c.epochs());
        m.put("batch", c.batchSize());
        m.put("lr", c.lr());
        m.put("optimizer", c.optimizer().id());
        m.put("schedule", c.schedule().id());
        m.put("momentum", c.momentum());
        m.put("nesterov", c.nesterov());
        m.put("weight_decay", c.weightDecay());
        m.put("warmup_epochs", c.warmupEpochs());
        m.put("label_smoothing", c.labelSmoothing());
        m.put("l1", c.l1());
        m.put("l2", c.l2());
        m.put("seed", c.seed());
        return m;
    }
}
