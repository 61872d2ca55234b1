package jprune.deploy.format;

import static org.junit.jupiter.api.Assertions.fail;

import jprune.tensor.Rng;

/** Random weight matrices of a given sparsity structure, references and closeness checks for the format tests. */
final class Fixtures {
    private Fixtures() {}

    /** Uniform in [-1, 1) with probability density, else exactly 0. */
    static float[] random(Rng rng, int rows, int cols, double density) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) {
            if (rng.nextDouble() < density) {
                float w = 2 * rng.nextFloat() - 1;
                d[i] = w == 0 ? 0.5f : w;
            }
        }
        return d;
    }

    /** Random with every third row (from row 1) empty, to exercise empty rows between full ones. */
    static float[] withEmptyRows(Rng rng, int rows, int cols, double density) {
        float[] d = random(rng, rows, cols, density);
        for (int r = 1; r < rows; r += 3) java.util.Arrays.fill(d, r * cols, (r + 1) * cols, 0f);
        return d;
    }

    /** Keeps the N largest magnitudes of every group of M columns (fewer in a short last group): an N:M matrix. */
    static float[] pruneNm(float[] d, int rows, int cols, int n, int m) {
        float[] out = d.clone();
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols; g += m) {
                int len = Math.min(m, cols - g);
                for (int drop = len - Math.min(n, len); drop > 0; drop--) {
                    int smallest = -1;
                    for (int j = 0; j < len; j++) {
                        int i = r * cols + g + j;
                        if (out[i] == 0 && !Float.isNaN(out[i])) continue;
                        if (smallest < 0 || Math.abs(out[i]) < Math.abs(out[smallest])) smallest = i;
                    }
                    if (smallest < 0) break;
                    out[smallest] = 0;
                }
            }
        }
        return out;
    }

    /** Blocks kept with probability density, entries of a kept block nonzero with probability 0.8. */
    static float[] blocky(Rng rng, int rows, int cols, int br, int bc, double density) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < rows; i += br) {
            for (int j = 0; j < cols; j += bc) {
                if (!(rng.nextDouble() < density)) continue;
                for (int r = i; r < Math.min(rows, i + br); r++) {
                    for (int c = j; c < Math.min(cols, j + bc); c++) if (rng.nextDouble() < 0.8) d[r * cols + c] = 2 * rng.nextFloat() - 0.99f;
                }
            }
        }
        return d;
    }

    /** A matrix of the given density shaped to fit a format's name ("2:4" N:M-pruned, "blockRxC" blocky). */
    static float[] forFormat(Rng rng, String format, int rows, int cols, double density) {
        if (format.contains(":")) {
            String[] nm = format.split(":");
            return pruneNm(random(rng, rows, cols, density), rows, cols, Integer.parseInt(nm[0]), Integer.parseInt(nm[1]));
        }
        if (format.startsWith("block")) {
            String[] rc = format.substring(5).split("x");
            return blocky(rng, rows, cols, Integer.parseInt(rc[0]), Integer.parseInt(rc[1]), density);
        }
        return random(rng, rows, cols, density);
    }

    static float[] vector(Rng rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = 2 * rng.nextFloat() - 1;
        return x;
    }

    /**
     * Y = W·X in double from a dense W, plus the scale each element's rounding is judged against:
     * Σ|w·x| (no cancellation can hide an error larger than rtol times it).
     */
    static double[][] reference(float[] w, int rows, int cols, float[] x, int batch) {
        double[] y = new double[rows * batch], mag = new double[rows * batch];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double wv = w[r * cols + c];
                if (wv == 0) continue;
                for (int b = 0; b < batch; b++) {
                    double p = wv * x[c * batch + b];
                    y[r * batch + b] += p;
                    mag[r * batch + b] += Math.abs(p);
                }
            }
        }
        return new double[][] {y, mag};
    }

    /** |actual − expected| ≤ rtol · (Σ|w·x| + |expected|) + 1e-30 for every element, naming the first miss. */
    static void assertClose(float[] actual, double[] expected, double[] magnitude, int count, double rtol, String what) {
        for (int i = 0; i < count; i++) {
            double tol = rtol * (magnitude[i] + Math.abs(expected[i])) + 1e-30;
            if (!(Math.abs(actual[i] - expected[i]) <= tol))
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (tolerance " + tol + ")");
        }
    }

    /** The same, against a float result whose magnitudes come from the dense reference. */
    static void assertClose(float[] actual, float[] expected, double[] magnitude, int count, double rtol, String what) {
        double[] e = new double[count];
        for (int i = 0; i < count; i++) e[i] = expected[i];
        assertClose(actual, e, magnitude, count, rtol, what);
    }

    /** Equal element by element, −0.0 equal to 0.0 (sparse formats keep only nonzeros). */
    static void assertSameValues(float[] actual, float[] expected, String what) {
        if (actual.length != expected.length) fail(what + ": length " + actual.length + " vs " + expected.length);
        for (int i = 0; i < actual.length; i++) {
            boolean same = actual[i] == expected[i] || Float.isNaN(actual[i]) && Float.isNaN(expected[i]);
            if (!same) fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
        }
    }

    /** What int8 quantization should give, computed independently of Int8Rows: q·s with s = max|w_r|/127. */
    static float[] dequantized(float[] d, int rows, int cols) {
        float[] out = new float[d.length];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int c = 0; c < cols; c++) max = Math.max(max, Math.abs(d[r * cols + c]));
            float s = max / 127f;
            for (int c = 0; c < cols; c++) {
                float w = d[r * cols + c];
                if (w == 0 || s == 0) continue;
                long q = Math.round(Math.rint(w / s));
                q = Math.max(-127, Math.min(127, q));
                out[r * cols + c] = q * s;
            }
        }
        return out;
    }
}
