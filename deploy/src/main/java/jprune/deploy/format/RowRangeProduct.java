package jprune.deploy.format;

/**
 * A format whose matrix-vector product can be computed a range of rows at a time, each row's sum in
 * the same order as in the whole product: for callers that share a product out across threads
 * themselves (a decoding step that must not wait for a preempted helper, see
 * {@code Parallel.share}). Every format but the block-sparse one, whose rows come in blocks.
 */
public interface RowRangeProduct extends WeightMatrix {
    /**
     * Rows [from, to) of y = W·x for one sample, on the calling thread: writes y[from..to) and
     * nothing else, bit-identical to those rows of {@link #multiplyVector}.
     */
    void multiplyVectorRows(float[] x, float[] y, int from, int to);
}
