package jprune.nn.infer;

/**
 * A module that can run inside an {@link InferencePlan} on rows of features without building a
 * graph or allocating per call, e.g. a linear layer computing from a sparse weight format. The
 * plan hands it rows in PyTorch's feature order and gives it scratch space of its own.
 */
public interface FlatLayer {
    int inFeatures();

    int outFeatures();

    /**
     * y[yOff + r·ldy + j] for samples r &lt; m and outputs j &lt; outFeatures() from x[xOff + r·ldx + f],
     * f &lt; inFeatures(). Called on one thread at a time per scratch.
     */
    void infer(int m, float[] x, int xOff, int ldx, float[] y, int yOff, int ldy, Scratch scratch);

    /** Multiply-adds per sample (a sparse layer's nonzeros), for deciding when a batch is worth splitting. */
    default long work() {
        return (long) inFeatures() * outFeatures();
    }

    /**
     * The weight as a dense fp32 [out][in] array when the layer computes exactly y = W·x + bias with
     * it (then the plan may run it with its own dense kernel), else null.
     */
    default float[] denseWeight() {
        return null;
    }

    /** The bias added after the product, or null. */
    default float[] bias() {
        return null;
    }
}
