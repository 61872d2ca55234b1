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
}
