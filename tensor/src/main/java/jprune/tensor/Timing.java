package jprune.tensor;

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
     * Median microseconds per call of each of several calls, measured in interleaved rounds (see
     * {@link #interleavedSamples}).
     */
    public static double[] interleavedMedianMicros(List<Runnable> calls, double budgetMillis) {
        double[][] t = interleavedSamples(calls, budgetMillis);
        double[] med = new double[t.length];
        for (int c = 0; c < t.length; c++) med[c] = median(t[c]);
        return med;
    }

    /**
     * Microseconds per call of each of several calls in every round: samples[call][round]. One
     * sample of each call per round, the call that goes first rotating from round to round, so
     * that a change in machine load during the measurement hits all of them alike instead of
     * favouring whichever ran in a quiet moment; a ratio of two calls is best taken round by round
     * ({@link Ratio#of}). Spends roughly budgetMillis per call, a third of it warming every call up
     * first.
     */
    public static double[][] interleavedSamples(List<Runnable> calls, double budgetMillis) {
        return interleavedSamples(calls, budgetMillis, Rounds.QUICK);
    }

    /**
     * How a measurement is cut into rounds: each sample of a call lasts at least minSampleNanos
     * (enough calls that one slow call moves it little), and there are between minRounds and
     * maxRounds rounds, as many as the budget pays for.
     */
    public record Rounds(long minSampleNanos, int minRounds, int maxRounds) {
        /** Samples of 0.1 ms, 7 to 31 rounds: timer resolution and call overhead do not matter. */
        public static final Rounds QUICK = new Rounds(100_000, 7, 31);

        public Rounds {
            if (minSampleNanos < 1 || minRounds < 1 || maxRounds < minRounds)
                throw new IllegalArgumentException("rounds: invalid sample " + minSampleNanos + " ns, rounds " + minRounds + "-" + maxRounds);
        }

        int reps(double nanosPerCall) {
            return (int) Math.max(1, Math.min(10_000, minSampleNanos / nanosPerCall));
        }
    }

    /** {@link #interleavedSamples(List, double)} with the given sample length and number of rounds. */
    public static double[][] interleavedSamples(List<Runnable> calls, double budgetMillis, Rounds rounds) {
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
            reps[c] = rounds.reps(perCall);
        }
        // Re-estimate after every call is warm (the first ones ran before the JIT settled).
        long sampleCost = 0;
        for (int c = 0; c < n; c++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps[c]; i++) calls.get(c).run();
            double perCall = (System.nanoTime() - t0) / (double) reps[c];
            reps[c] = rounds.reps(perCall);
            sampleCost += (long) (perCall * reps[c]);
        }
        int samples = (int) Math.max(rounds.minRounds(), Math.min(rounds.maxRounds(), (budget * 2L / 3 * n) / Math.max(1, sampleCost)));
        double[][] t = new double[n][samples];
        for (int s = 0; s < samples; s++) {
            for (int j = 0; j < n; j++) {
                int c = (s + j) % n;
                long t0 = System.nanoTime();
                for (int i = 0; i < reps[c]; i++) calls.get(c).run();
                t[c][s] = (System.nanoTime() - t0) / 1e3 / reps[c];
            }
        }
        return t;
    }

    /** The median of v (the mean of the middle two for an even count). */
    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    /**
     * A ratio measured round by round: its median and the range it covered. Taking the ratio within
     * each round, where both sides ran moments apart, cancels most of what load from other
     * processes does to either side; the range says how much was left.
     */
    public record Ratio(double median, double min, double max) {
        /** numerator[i] / denominator[i] for every round i. */
        public static Ratio of(double[] numerator, double[] denominator) {
            if (numerator.length != denominator.length || numerator.length == 0)
                throw new IllegalArgumentException("need equally many rounds on both sides, got " + numerator.length + " and " + denominator.length);
            double[] r = new double[numerator.length];
            for (int i = 0; i < r.length; i++) r[i] = numerator[i] / denominator[i];
            Arrays.sort(r);
            return new Ratio(Timing.median(r), r[0], r[r.length - 1]);
        }
    }
}
