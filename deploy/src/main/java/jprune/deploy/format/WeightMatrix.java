package jprune.deploy.format;

/**
 * A layer's weight matrix W (rows = outputs, cols = inputs) held in one storage format, computing
 * products straight from that form (never re-densified). One class per format; each keeps a scalar
 * reference of its kernels next to the vectorized ones so tests can compare them.
 *
 * <p>Activations for batched products are feature-major: X holds cols × batch floats with
 * X[c·batch + b] the c-th input of sample b, and Y rows × batch likewise, so a chain of layers never
 * transposes and every nonzero weight meets a contiguous run of the batch.
 */
public interface WeightMatrix {
    /** The format's name as metrics and manifests spell it: "dense", "csr", "bitmask", "2:4", "block4x4" (an "-int8" suffix for int8 values). */
    String format();

    int rows();

    int cols();

    /** Stored nonzero weights (a format may store a few explicit zeros, e.g. N:M groups; they count). */
    long nonzeros();

    /** Bytes the format needs in memory for values, indices and scales: what a product streams. */
    long bytes();

    /** y = W·x for one sample: x has cols floats, y gets rows floats (overwritten). */
    void multiplyVector(float[] x, float[] y);

    /** Y = W·X for a batch in feature-major layout: x has cols × batch floats, y gets rows × batch (overwritten). */
    void multiplyBatch(float[] x, int batch, float[] y);

    /** W as a dense row-major rows × cols array (for round trips and tests; not used by inference). */
    float[] toDense();
}
