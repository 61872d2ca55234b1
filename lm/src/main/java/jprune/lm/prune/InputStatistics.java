package jprune.lm.prune;

import jprune.tensor.Gemm;

/**
 * What the calibration inputs of one projection tell the pruning methods: the sum of squares of
 * every input feature (Wanda's ‖X_j‖₂²) and, when asked, the Gram matrix Σ x xᵀ from which
 * SparseGPT's Hessian H = 2/n·Σ x xᵀ comes. Each batch of tokens is multiplied in fp32 with
 * {@link Gemm} and added to running sums held in double, so many batches lose nothing to the sum.
 */
public final class InputStatistics {
    /** Rows of the Gram matrix computed per product. */
    static final int GRAM_BLOCK = 256;

    private final int in;
    private final double[] sumSquares;
    private final double[] gram;
    private final int sampleStride;
    private final float[] sampled;
    private int sampledRows;
    private long tokens;
    private float[] batchGram;

    public InputStatistics(int in, boolean withGram) {
        this(in, withGram, 1, 0);
    }

    /**
     * Also keeps every sampleStride-th input row (counting from the first token seen), up to
     * sampleCap rows: a fixed, evenly spread subset of the calibration inputs on which the pruned
     * layer's reconstruction error is measured without running the model again.
     */
    public InputStatistics(int in, boolean withGram, int sampleStride, int sampleCap) {
        if (sampleStride < 1 || sampleCap < 0) throw new IllegalArgumentException("sample stride " + sampleStride + ", cap " + sampleCap);
        this.in = in;
        this.sumSquares = new double[in];
        this.gram = withGram ? new double[(int) checkedSquare(in)] : null;
        this.sampleStride = sampleStride;
        this.sampled = new float[Math.toIntExact((long) sampleCap * in)];
    }

    private static long checkedSquare(int in) {
        long n = (long) in * in;
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("a Hessian of " + in + "² entries is too large");
        return n;
    }

    public int in() {
        return in;
    }

    /** Tokens seen so far. */
    public long tokens() {
        return tokens;
    }

    /** Adds rows tokens of x ([tokens, in], row-major). */
    public void add(float[] x, int rows) {
        for (int t = 0; t < rows; t++) {
            int base = t * in;
            if ((tokens + t) % sampleStride == 0 && (sampledRows + 1L) * in <= sampled.length) {
                System.arraycopy(x, base, sampled, sampledRows * in, in);
                sampledRows++;
            }
            for (int j = 0; j < in; j++) {
                double v = x[base + j];
                sumSquares[j] += v * v;
            }
        }
        if (gram != null) {
            if (batchGram == null) batchGram = new float[gram.length];
            // The Gram matrix is symmetric: only its lower triangle (and the diagonal blocks whole) is
            // computed, one block of rows at a time, about half the multiply-adds of the full product.
            for (int i0 = 0; i0 < in; i0 += GRAM_BLOCK) {
                int b = Math.min(GRAM_BLOCK, in - i0), cols = i0 + b;
                Gemm.gemm(true, false, b, cols, rows, x, i0, in, x, 0, in, false, batchGram, i0 * in, in);
                for (int i = i0; i < cols; i++) {
                    int base = i * in;
                    for (int j = 0; j < cols; j++) gram[base + j] += batchGram[base + j];
                }
            }
        }
        tokens += rows;
    }

    /** The kept input rows ([sampledRows, in], row-major; the array may be longer). */
    public float[] sampledRows() {
        return sampled;
    }

    public int sampledRowCount() {
        return sampledRows;
    }

    /** ‖X_j‖₂ over every token seen. */
    public double columnNorm(int j) {
        return Math.sqrt(sumSquares[j]);
    }

    public boolean hasGram() {
        return gram != null;
    }

    /** H = 2/n·Σ x xᵀ ([in, in], a fresh array; the lower triangle as summed, mirrored above). */
    public double[] hessian() {
        if (gram == null) throw new IllegalStateException("these statistics were gathered without the Gram matrix");
        if (tokens == 0) throw new IllegalStateException("no calibration tokens were seen");
        double[] h = new double[gram.length];
        double scale = 2.0 / tokens;
        for (int i = 0; i < in; i++) {
            for (int j = 0; j <= i; j++) {
                double v = gram[i * in + j] * scale;
                h[i * in + j] = v;
                h[j * in + i] = v;
            }
        }
        return h;
    }

    /** Drops the fp32 batch buffer (kept between batches to avoid reallocating it). */
    public void releaseBuffers() {
        batchGram = null;
    }
}
