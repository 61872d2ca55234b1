package jprune.deploy;

import java.util.Arrays;
import java.util.List;

/** Timing of short calls: a time-based warm-up, then the median of several samples of many calls each. */
public final class Timing {
    private Timing() {}

    /**
     * Calls call in blocks of about 20 ms until it has run at least minCalls times and the time per
     * call has stopped falling (a block no faster than 95% of the best before it), or capNanos have
     * passed: until the JIT has compiled what it runs. Interpreted or C1-compiled Vector API code is a
     * hundred to a thousand times slower than C2's, and it can look steady for a while before C2
     * steps in (C2 waits for thousands of calls), hence the call count as well as the steadiness.
     */
    public static void warmUntilSteady(Runnable call, long capNanos, int minCalls) {
        long start = System.nanoTime();
        double best = Double.MAX_VALUE;
        long total = 0;
        while (System.nanoTime() - start < capNanos) {
            long t0 = System.nanoTime();
            int calls = 0;
            do {
                call.run();
                calls++;
            } while (System.nanoTime() - t0 < 20_000_000L);
            total += calls;
            double perCall = (System.nanoTime() - t0) / (double) calls;
            if (total >= minCalls && perCall > 0.95 * best) return;
            best = Math.min(best, perCall);
        }
    }

    /** Median microseconds per call, spending roughly budgetMillis (a third warming up). */
    public static double medianMicros(Runnable call, double budgetMillis) {
        return interleavedMedianMicros(List.of(call), budgetMillis)[0];
    }

    /**
     * Median microseconds per call of each of several calls, measured in interleaved rounds (one
     * sample of each per round) so that a change in machine load during the measurement hits all of
     * them alike instead of favouring whichever ran in a quiet moment. Spends roughly budgetMillis per
     * call, a third of it warming every call up first.
     */
    public static double[] interleavedMedianMicros(List<Runnable> calls, double budgetMillis) {
        long budget = (long) (budgetMillis * 1e6);
        int n = calls.size();
        int[] reps = new int[n];
        for (int c = 0; c < n; c++) {
            long start = System.nanoTime();
            int k = 0;
            while (System.nanoTime() - start < budget / 3 || k < 3) {
                calls.get(c).run();
                k++;
            }
            double perCall = (System.nanoTime() - start) / (double) k;
            // Each sample lasts at least ~0.1 ms, so timer resolution and call overhead do not matter.
            reps[c] = (int) Math.max(1, Math.min(10_000, 100_000 / perCall));
        }
        // Re-estimate after every call is warm (the first ones ran before the JIT settled).
        double[] perCall = new double[n];
        long sampleCost = 0;
        for (int c = 0; c < n; c++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps[c]; i++) calls.get(c).run();
            perCall[c] = (System.nanoTime() - t0) / (double) reps[c];
            reps[c] = (int) Math.max(1, Math.min(10_000, 100_000 / perCall[c]));
            sampleCost += (long) (perCall[c] * reps[c]);
        }
        int samples = (int) Math.max(5, Math.min(31, (budget * 2L / 3 * n) / Math.max(1, sampleCost)));
        double[][] t = new double[n][samples];
        for (int s = 0; s < samples; s++) {
            for (int c = 0; c < n; c++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps[c]; i++) calls.get(c).run();
                t[c][s] = (System.nanoTime() - t0) / 1e3 / reps[c];
            }
        }
        double[] med = new double[n];
        for (int c = 0; c < n; c++) {
            Arrays.sort(t[c]);
            med[c] = t[c][samples / 2];
        }
        return med;
    }
}
