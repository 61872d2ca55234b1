package jprune.deploy;

import java.util.Arrays;

/** Timing of short calls: a time-based warm-up, then the median of several samples of many calls each. */
public final class Timing {
    private Timing() {}

    /** Median microseconds per call, spending roughly budgetMillis (a third warming up). */
    public static double medianMicros(Runnable call, double budgetMillis) {
        long budget = (long) (budgetMillis * 1e6);
        long start = System.nanoTime();
        int calls = 0;
        while (System.nanoTime() - start < budget / 3 || calls < 3) {
            call.run();
            calls++;
        }
        double perCall = (System.nanoTime() - start) / (double) calls;
        // Each sample lasts at least ~0.1 ms, so timer resolution and call overhead do not matter.
        int reps = (int) Math.max(1, Math.min(10_000, 100_000 / perCall));
        int samples = (int) Math.max(5, Math.min(31, (budget * 2 / 3) / Math.max(1, perCall * reps)));
        double[] t = new double[samples];
        for (int s = 0; s < samples; s++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) call.run();
            t[s] = (System.nanoTime() - t0) / 1e3 / reps;
        }
        Arrays.sort(t);
        return t[samples / 2];
    }
}
