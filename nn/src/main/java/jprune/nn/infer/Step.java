package jprune.nn.infer;

/**
 * One operation of an {@link InferencePlan}: reads count samples of its input activation from x
 * (sample i at xOff + i·in.size()) and writes count samples of its output into y likewise.
 * Steps that see feature maps run image by image; flat steps see a whole group of samples.
 */
abstract class Step {
    final Activation in, out;

    Step(Activation in, Activation out) {
        this.in = in;
        this.out = out;
    }

    abstract void run(float[] x, int xOff, float[] y, int yOff, int count, Workspace ws, int index);

    /** Multiply-adds per sample, for deciding when a batch is worth splitting over threads. */
    long work() {
        return 0;
    }

    int scratchSize() {
        return 0;
    }

    /** Samples this step wants to see at once when a batch is split over threads (more is fine). */
    int rowsPerChunk() {
        return 1;
    }

    /**
     * Whether this step, though it sees feature maps, runs on a group of samples at once rather
     * than image by image; the steps after it then do too.
     */
    boolean runsOnGroups() {
        return false;
    }

    /**
     * Whether this step's kernels stay on the calling thread for count samples (the plan runs it as
     * a chunk, {@link jprune.tensor.Parallel#runAsChunk}): for steps whose kernels would split work
     * that costs less to do alone.
     */
    boolean serial(int count) {
        return false;
    }

    /** Fewest samples this step runs efficiently at once (fewer cost about as much). */
    int minRowsPerChunk() {
        return 1;
    }

    /** A short description for {@link InferencePlan#toString()}. */
    abstract String describe();
}
