package jprune.deploy;

/**
 * Layout changes between sample-major activations ([batch, features], what the nn layers use) and
 * feature-major ones ([features, batch], what {@link jprune.deploy.format.WeightMatrix} products take).
 * Blocked so that both sides stay in cache on wide layers.
 */
final class FeatureMajor {
    private static final int TILE = 32;

    private FeatureMajor() {}

    /** [n, m] row-major → [m, n] row-major. */
    static float[] transpose(float[] a, int n, int m) {
        float[] t = new float[a.length];
        for (int i0 = 0; i0 < n; i0 += TILE)
            for (int j0 = 0; j0 < m; j0 += TILE)
                for (int i = i0; i < Math.min(n, i0 + TILE); i++)
                    for (int j = j0; j < Math.min(m, j0 + TILE); j++) t[j * n + i] = a[i * m + j];
        return t;
    }

    /** y[b, r] = yt[r, b] + bias[r] (bias may be null). */
    static void transposeAddingBias(float[] yt, int rows, int batch, float[] bias, float[] y) {
        for (int r0 = 0; r0 < rows; r0 += TILE)
            for (int b0 = 0; b0 < batch; b0 += TILE)
                for (int r = r0; r < Math.min(rows, r0 + TILE); r++) {
                    float add = bias == null ? 0f : bias[r];
                    for (int b = b0; b < Math.min(batch, b0 + TILE); b++) y[b * rows + r] = yt[r * batch + b] + add;
                }
    }
}
