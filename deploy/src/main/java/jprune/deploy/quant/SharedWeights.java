package jprune.deploy.quant;

import java.util.Arrays;

/**
 * A layer's weight under weight sharing (Deep Compression): a codebook of k centroids, and for each
 * nonzero of the flattened weight, in ascending position order, the index (code) of the centroid it
 * takes. Every other entry is exactly zero, so pruned weights stay pruned however the codebook moves.
 *
 * <p>Positions and codes are fixed; the codebook is the mutable part, updated in place by
 * {@link #applyGradient} during centroid fine-tuning. Instances are not thread-safe.
 */
public final class SharedWeights {
    private final int length;
    private final int[] positions;
    private final int[] codes;
    private final float[] codebook;

    /**
     * Validates and copies: positions strictly increasing in [0, length), one code in
     * [0, codebook.length) per position, 1 to {@value Huffman#MAX_ALPHABET} finite centroids.
     */
    public SharedWeights(int length, int[] positions, int[] codes, float[] codebook) {
        if (length < 0) throw new IllegalArgumentException("length must be >= 0, got " + length);
        if (codebook.length < 1 || codebook.length > Huffman.MAX_ALPHABET)
            throw new IllegalArgumentException("codebook size must be in [1, " + Huffman.MAX_ALPHABET + "], got " + codebook.length);
        for (int j = 0; j < codebook.length; j++)
            if (!Float.isFinite(codebook[j])) throw new IllegalArgumentException("centroid " + j + " is not finite: " + codebook[j]);
        if (codes.length != positions.length)
            throw new IllegalArgumentException(positions.length + " positions but " + codes.length + " codes");
        for (int i = 0, prev = -1; i < positions.length; i++) {
            int p = positions[i];
            if (p <= prev || p >= length)
                throw new IllegalArgumentException("positions must be strictly increasing and in [0, " + length + "): position " + i + " is " + p + " after " + prev);
            prev = p;
            if (codes[i] < 0 || codes[i] >= codebook.length)
                throw new IllegalArgumentException("code " + codes[i] + " of position " + i + " is outside [0, " + codebook.length + ")");
        }
        this.length = length;
        this.positions = positions.clone();
        this.codes = codes.clone();
        this.codebook = codebook.clone();
    }

    /** Entries of the dense (flattened) weight. */
    public int length() {
        return length;
    }

    /** Entries that take a centroid (the rest are zero). */
    public int nonzeros() {
        return positions.length;
    }

    public int codebookSize() {
        return codebook.length;
    }

    public float centroid(int j) {
        return codebook[j];
    }

    public float[] codebook() {
        return codebook.clone();
    }

    /** Ascending positions of the entries that take a centroid. */
    public int[] positions() {
        return positions.clone();
    }

    /** Centroid index of each position, in position order. */
    public int[] codes() {
        return codes.clone();
    }

    /** The dense weight: each position's centroid, zero elsewhere. */
    public float[] decode() {
        float[] out = new float[length];
        decodeInto(out);
        return out;
    }

    /** Overwrites dst (length() entries) with the dense weight, zeroes included. */
    public void decodeInto(float[] dst) {
        checkDense(dst, "destination");
        Arrays.fill(dst, 0f);
        for (int i = 0; i < positions.length; i++) dst[positions[i]] = codebook[codes[i]];
    }

    /**
     * The gradient of the loss with respect to each centroid: since every weight sharing a centroid
     * equals it, the chain rule makes it the sum of those weights' gradients. Zero entries of the
     * layer take no part, whatever their gradient.
     */
    public double[] centroidGradients(float[] denseGrad) {
        checkDense(denseGrad, "gradient");
        double[] g = new double[codebook.length];
        for (int i = 0; i < positions.length; i++) g[codes[i]] += denseGrad[positions[i]];
        return g;
    }

    /** One gradient-descent step on the codebook in place: centroid −= lr · (its summed gradient). */
    public void applyGradient(float[] denseGrad, double lr) {
        if (!Double.isFinite(lr)) throw new IllegalArgumentException("learning rate must be finite, got " + lr);
        double[] g = centroidGradients(denseGrad);
        for (int j = 0; j < codebook.length; j++) codebook[j] = (float) (codebook[j] - lr * g[j]);
    }

    private void checkDense(float[] a, String what) {
        if (a.length != length) throw new IllegalArgumentException(what + " has " + a.length + " entries, the weight has " + length);
    }
}
