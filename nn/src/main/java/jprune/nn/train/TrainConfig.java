package jprune.nn.train;

import java.util.List;

/**
 * Everything that defines a training run besides the model and data. Validated on construction,
 * with messages naming the field and the allowed values. Build one with {@link #builder()}:
 * {@code TrainConfig.builder().epochs(3).lr(0.01).optimizer("sgd").build()}.
 */
public record TrainConfig(int epochs, int batchSize, double lr, OptimizerKind optimizer, LrScheduleKind schedule,
                          double momentum, boolean nesterov, double weightDecay, int warmupEpochs,
                          double labelSmoothing, double l1, double l2, long seed) {
    public static final List<String> OPTIMIZERS = OptimizerKind.names();
    public static final List<String> SCHEDULES = LrScheduleKind.names();

    public TrainConfig {
        if (epochs < 0) throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        if (optimizer == null) throw new IllegalArgumentException("optimizer must be one of " + OPTIMIZERS + ", got null");
        if (schedule == null) throw new IllegalArgumentException("schedule must be one of " + SCHEDULES + ", got null");
        if (momentum < 0 || momentum >= 1) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        if (weightDecay < 0) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        if (warmupEpochs < 0 || warmupEpochs > epochs && epochs > 0)
            throw new IllegalArgumentException("warm-up epochs must be in [0, epochs], got " + warmupEpochs);
        if (labelSmoothing < 0 || labelSmoothing >= 1) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
        if (l1 < 0 || l2 < 0) throw new IllegalArgumentException("L1/L2 penalties must be >= 0");
    }

    /**
     * The positional form with names for optimizer and schedule, kept so existing callers compile;
     * prefer {@link #builder()}, which names every argument.
     */
    public TrainConfig(int epochs, int batchSize, double lr, String optimizer, String schedule,
                       double momentum, boolean nesterov, double weightDecay, int warmupEpochs,
                       double labelSmoothing, double l1, double l2, long seed) {
        this(epochs, batchSize, lr, OptimizerKind.parse(optimizer), LrScheduleKind.parse(schedule), momentum, nesterov, weightDecay,
                warmupEpochs, labelSmoothing, l1, l2, seed);
    }

    /** A builder starting from SGD (Nesterov, momentum 0.9), cosine, batch 128, lr 0.05, weight decay 1e-4, 1 epoch, seed 0. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration's values. */
    public Builder toBuilder() {
        return new Builder().epochs(epochs).batchSize(batchSize).lr(lr).optimizer(optimizer).schedule(schedule).momentum(momentum)
                .nesterov(nesterov).weightDecay(weightDecay).warmupEpochs(warmupEpochs).labelSmoothing(labelSmoothing).l1(l1).l2(l2).seed(seed);
    }

    /** The defaults jprune uses for a model when the user gives none. */
    public static TrainConfig defaults(String model) {
        Builder b = builder().batchSize(128).momentum(0.9);
        return switch (model) {
            case "vit-tiny" -> b.epochs(15).lr(2e-3).optimizer(OptimizerKind.ADAMW).schedule(LrScheduleKind.COSINE).nesterov(false)
                    .weightDecay(0.05).warmupEpochs(1).labelSmoothing(0.1).build();
            case "convnet" -> b.epochs(12).lr(0.05).optimizer(OptimizerKind.SGD).schedule(LrScheduleKind.COSINE).nesterov(true).weightDecay(5e-4).build();
            default -> b.epochs(20).lr(0.05).optimizer(OptimizerKind.SGD).schedule(LrScheduleKind.COSINE).nesterov(true).weightDecay(1e-4).build();
        };
    }

    public TrainConfig withSeed(long s) {
        return toBuilder().seed(s).build();
    }

    public TrainConfig withEpochs(int e) {
        return toBuilder().epochs(e).warmupEpochs(Math.min(warmupEpochs, e)).build();
    }

    /** Collects a {@link TrainConfig} field by field; {@link #build()} validates it. */
    public static final class Builder {
        private int epochs = 1;
        private int batchSize = 128;
        private double lr = 0.05;
        private OptimizerKind optimizer = OptimizerKind.SGD;
        private LrScheduleKind schedule = LrScheduleKind.COSINE;
        private double momentum = 0.9;
        private boolean nesterov = true;
        private double weightDecay = 1e-4;
        private int warmupEpochs;
        private double labelSmoothing;
        private double l1;
        private double l2;
        private long seed;

        private Builder() {}

        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder optimizer(OptimizerKind v) { optimizer = v; return this; }
        /** By lower-case name (sgd, adamw); an unknown name fails here, naming the allowed ones. */
        public Builder optimizer(String name) { optimizer = OptimizerKind.parse(name); return this; }
        public Builder schedule(LrScheduleKind v) { schedule = v; return this; }
        /** By lower-case name (none, cosine, step, exponential); an unknown name fails here, naming the allowed ones. */
        public Builder schedule(String name) { schedule = LrScheduleKind.parse(name); return this; }
        public Builder momentum(double v) { momentum = v; return this; }
        public Builder nesterov(boolean v) { nesterov = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder warmupEpochs(int v) { warmupEpochs = v; return this; }
        public Builder labelSmoothing(double v) { labelSmoothing = v; return this; }
        public Builder l1(double v) { l1 = v; return this; }
        public Builder l2(double v) { l2 = v; return this; }
        public Builder seed(long v) { seed = v; return this; }

        /** The configuration; throws IllegalArgumentException naming the first invalid field. */
        public TrainConfig build() {
            return new TrainConfig(epochs, batchSize, lr, optimizer, schedule, momentum, nesterov, weightDecay, warmupEpochs,
                    labelSmoothing, l1, l2, seed);
        }
    }
}
