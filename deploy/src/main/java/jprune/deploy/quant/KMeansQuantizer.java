package jprune.deploy.quant;

import java.util.Arrays;

/**
 * Weight sharing by one-dimensional k-means (Deep Compression), k = 2^bits centroids per layer over
 * the layer's nonzero weights only: zeros are pruned weights, they are not clustered and stay zero.
 *
 * <p>Centroids start evenly spaced between the smallest and largest nonzero weight (linear
 * initialization, which Deep Compression found best because it keeps centroids on the rare large
 * weights that matter most), then Lloyd iterations run until no assignment changes or the iteration
 * cap is reached. In one dimension clusters are runs of the sorted values split at the midpoints
 * between neighbouring centroids, so after one sort each iteration is k binary searches plus k
 * means read off a prefix sum: O(k log n) per iteration rather than O(n k). A weight exactly on a
 * midpoint joins the lower centroid; an empty cluster keeps its centroid. No randomness is involved.
 */
public final class KMeansQuantizer {
    public static final int MIN_BITS = 2, MAX_BITS = 8;
    public static final int DEFAULT_MAX_ITERATIONS = 100;

    private final int bits, maxIterations;

    public KMeansQuantizer(int bits) {
        this(bits, DEFAULT_MAX_ITERATIONS);
    }

    public KMeansQuantizer(int bits, int maxIterations) {
        if (bits < MIN_BITS || bits > MAX_BITS)
            throw new IllegalArgumentException("bits per weight must be in [" + MIN_BITS + ", " + MAX_BITS + "], got " + bits);
        if (maxIterations < 1) throw new IllegalArgumentException("maximum iterations must be >= 1, got " + maxIterations);
        this.bits = bits;
        this.maxIterations = maxIterations;
    }

    public int bits() {
        return bits;
    }

    /** Clusters the nonzeros of a flattened weight; rejects non-finite weights. */
    public SharedWeights quantize(float[] dense) {
        for (int i = 0; i < dense.length; i++)
            if (!Float.isFinite(dense[i])) throw new IllegalArgumentException("weight " + i + " is not finite: " + dense[i]);
        int k = 1 << bits;
        int[] positions = SparsePositions.nonzeroPositions(dense);
        int m = positions.length;
        float[] codebook = new float[k];
        if (m == 0) return new SharedWeights(dense.length, positions, new int[0], codebook);

        float[] sorted = new float[m];
        for (int i = 0; i < m; i++) sorted[i] = dense[positions[i]];
        Arrays.sort(sorted);
        double[] prefix = new double[m + 1];
        for (int i = 0; i < m; i++) prefix[i + 1] = prefix[i] + sorted[i];

        double lo = sorted[0], hi = sorted[m - 1];
        for (int j = 0; j < k; j++) codebook[j] = (float) (lo + (hi - lo) * j / (k - 1));
        // end[j]: one past cluster j's last index in sorted order.
        int[] end = new int[k], next = new int[k];
        for (int it = 0; it < maxIterations; it++) {
            for (int j = 0; j < k - 1; j++) next[j] = upperBound(sorted, midpoint(codebook, j));
            next[k - 1] = m;
            if (it > 0 && Arrays.equals(next, end)) break;
            System.arraycopy(next, 0, end, 0, k);
            for (int j = 0, start = 0; j < k; start = end[j++]) {
                if (end[j] == start) continue;
                double mean = (prefix[end[j]] - prefix[start]) / (end[j] - start);
                // Clamped to the cluster's range so rounding can never reorder the centroids.
                codebook[j] = Math.min(sorted[end[j] - 1], Math.max(sorted[start], (float) mean));
            }
        }

        double[] mids = new double[k - 1];
        for (int j = 0; j < k - 1; j++) mids[j] = midpoint(codebook, j);
        int[] codes = new int[m];
        for (int i = 0; i < m; i++) codes[i] = lowerBound(mids, dense[positions[i]]);
        return new SharedWeights(dense.length, positions, codes, codebook);
    }

    private static double midpoint(float[] c, int j) {
        return ((double) c[j] + c[j + 1]) / 2;
    }

    /** First index whose value exceeds x (values ≤ x lie before it). */
    private static int upperBound(float[] a, double x) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= x) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** First index whose value is ≥ x, i.e. the number of midpoints below x: the cluster of x. */
    private static int lowerBound(double[] a, double x) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
