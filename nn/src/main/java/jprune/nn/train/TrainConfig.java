package jprune.nn.train;

/**
 * Everything that defines a training run besides the model and data. Validated on construction,
 * with messages naming the field and the allowed values.
 */
public record TrainConfig(int epochs, int batchSize, double lr, String optimizer, String schedule,
                          double momentum, boolean nesterov, double weightDecay, int warmupEpochs,
                          double labelSmoothing, double l1, double l2, long seed) {
    public static final java.util.List<String> OPTIMIZERS = java.util.List.of("sgd", "adamw");
    public static final java.util.List<String> SCHEDULES = java.util.List.of("none", "cosine", "step", "exponential");

    public TrainConfig {
        if (epochs < 0) throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        if (!OPTIMIZERS.contains(optimizer)) throw new IllegalArgumentException("optimizer must be one of " + OPTIMIZERS + ", got '" + optimizer + "'");
        if (!SCHEDULES.contains(schedule)) throw new IllegalArgumentException("schedule must be one of " + SCHEDULES + ", got '" + schedule + "'");
        if (momentum < 0 || momentum >= 1) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        if (weightDecay < 0) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        if (warmupEpochs < 0 || warmupEpochs > epochs && epochs > 0)
            throw new IllegalArgumentException("warm-up epochs must be in [0, epochs], got " + warmupEpochs);
        if (labelSmoothing < 0 || labelSmoothing >= 1) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
        if (l1 < 0 || l2 < 0) throw new IllegalArgumentException("L1/L2 penalties must be >= 0");
    }

    /** The defaults jprune uses for a model when the user gives none. */
    public static TrainConfig defaults(String model) {
        return switch (model) {
            case "vit-tiny" -> new TrainConfig(15, 128, 2e-3, "adamw", "cosine", 0.9, false, 0.05, 1, 0.1, 0, 0, 0);
            case "convnet" -> new TrainConfig(12, 128, 0.05, "sgd", "cosine", 0.9, true, 5e-4, 0, 0.0, 0, 0, 0);
            default -> new TrainConfig(20, 128, 0.05, "sgd", "cosine", 0.9, true, 1e-4, 0, 0.0, 0, 0, 0);
        };
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(epochs, batchSize, lr, optimizer, schedule, momentum, nesterov, weightDecay, warmupEpochs, labelSmoothing, l1, l2, s);
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, batchSize, lr, optimizer, schedule, momentum, nesterov, weightDecay, Math.min(warmupEpochs, e), labelSmoothing, l1, l2, seed);
    }
}
