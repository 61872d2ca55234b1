package jprune.tensor;

import static org.junit.jupiter.api.Assertions.fail;

/** Shared closeness check: |a − e| ≤ atol + rtol·|e| element by element, naming the first miss. */
final class KernelAssert {
    private KernelAssert() {}

    static void assertAllClose(float[] actual, float[] expected, double rtol, double atol, String what) {
        if (actual.length != expected.length) fail(what + ": length " + actual.length + " vs " + expected.length);
        for (int i = 0; i < actual.length; i++) {
            double tol = atol + rtol * Math.abs(expected[i]);
            if (!(Math.abs(actual[i] - expected[i]) <= tol))
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (tolerance " + tol + ")");
        }
    }

    static float[] random(Rng rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rng.nextFloat() * 2 - 1;
        return a;
    }
}
