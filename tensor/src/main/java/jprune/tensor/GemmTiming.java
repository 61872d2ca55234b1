package jprune.tensor;

/** Times {@link Gemm} on square random matrices: the figure behind {@code jprune bench gemm}. */
public final class GemmTiming {
    private GemmTiming() {}

    /** Best GFLOPS of `repeats` timed runs of size³ after warm-up, on `threads` threads. */
    public static double measureGflops(int size, int threads, int repeats) {
        int previous = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            Rng rng = new Rng(1);
            float[] a = Tensor.uniform(rng, -1f, 1f, size, size).data();
            float[] b = Tensor.uniform(rng, -1f, 1f, size, size).data();
            float[] c = new float[size * size];
            double flops = 2.0 * size * size * size;
            // Warm up until the JIT has compiled the kernels: at least 3 runs and half a second.
            long warmStart = System.nanoTime();
            for (int i = 0; i < 3 || System.nanoTime() - warmStart < 500_000_000L && i < 50; i++) {
                Gemm.gemm(false, false, size, size, size, a, 0, size, b, 0, size, false, c, 0, size);
            }
            double best = Double.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                Gemm.gemm(false, false, size, size, size, a, 0, size, b, 0, size, false, c, 0, size);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return flops / best / 1e9;
        } finally {
            Parallel.setThreads(previous);
        }
    }
}
