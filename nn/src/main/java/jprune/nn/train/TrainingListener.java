package jprune.nn.train;

/** Receives progress from a {@link Trainer}; the CLI draws its progress bar from these calls. */
public interface TrainingListener {
    default void onBatch(int epoch, int batch, int batches, double loss, double samplesPerSecond) {}

    default void onEpoch(EpochRecord record) {}

    TrainingListener NONE = new TrainingListener() {};
}
