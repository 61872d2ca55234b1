package jprune.tensor;

/** A plain GEMM timing for the CLI: no harness, just warm-up and best-of-N wall time. */
public final class GemmTiming {
    private GemmTiming() {}

    /**
     * Multiplies random size×size matrices {@code repeats} times on {@code threads} threads (after a
     * warm-up that lets the JIT compile the kernels) and returns the best rate in GFLOPS (2·size³ flops
     * a run). The thread count in force before the call is restored.
     */
    public static double measureGflops(int size, int threads, int repeats) {
        if (size < 1) throw new IllegalArgumentException("size must be >= 1, got " + size);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (repeats < 1) throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        Rng rng = new Rng(size);
        float[] a = random(rng, size * size), b = random(rng, size * size), c = new float[size * size];
        double flops = 2.0 * size * size * size;
        int previous = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            // Enough warm-up work for C2 to compile the micro-kernel, at least a few calls.
            int warmups = (int) Math.max(3, Math.min(1000, 3e9 / flops));
            for (int i = 0; i < warmups; i++) multiply(size, a, b, c);
            long best = Long.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                multiply(size, a, b, c);
                best = Math.min(best, System.nanoTime() - t0);
            }
            return flops / Math.max(1, best);
        } finally {
            Parallel.setThreads(previous);
        }
    }

    private static void multiply(int size, float[] a, float[] b, float[] c) {
        Gemm.gemm(false, false, size, size, size, a, 0, size, b, 0, size, false, c, 0, size);
    }

    private static float[] random(Rng rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = 2 * rng.nextFloat() - 1;
        return x;
    }
}
