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
        return spreadSamples(List.of(calls), budgetMillis / 3, budgetMillis * 2 / 3 * calls.size(), rounds)[0];
    }

    /**
     * {@link #interleavedSamples} for several sets of calls at once, with every set's rounds spread
     * evenly over the whole measurement: it passes through the sets again and again, taking a round
     * of each set in the passes its share says, so a set with 15 rounds and one with 60 both start
     * in the first pass and end in the last. samples[set][call][round]. Interleaving within a round
     * cancels load that changes between its calls; spreading cancels what lasts longer: on a
     * shared VM the memory system's speed changes every 10-15 s (2026-12-05, Zen 5: dense 4096² at
     * batch 1 took 1.55 ms, then 2.0 for 15 s, then 1.5 again), a ratio of a memory-bound and a
     * core-bound kernel moves with it (CSR 10% over dense 4.2× then 5.2×), and a set measured in
     * one go gets whichever state held then. Spread, every set sees the same mix of states.
     *
     * <p>Every call first runs for warmMillis (at least 3 times), which also tells how many calls
     * make a sample; each set then gets as many rounds as sampleMillis pays for, within the bounds
     * of rounds.
     */
    public static double[][][] spreadSamples(List<List<Runnable>> sets, double warmMillis, double sampleMillis, Rounds rounds) {
        long warm = (long) (warmMillis * 1e6), sampling = (long) (sampleMillis * 1e6);
        int k = sets.size();
        int[][] reps = new int[k][];
        int[] roundsOf = new int[k];
        int passes = 0;
        for (int s = 0; s < k; s++) {
            List<Runnable> calls = sets.get(s);
            reps[s] = new int[calls.size()];
            for (int c = 0; c < calls.size(); c++) reps[s][c] = warmAndCountReps(calls.get(c), warm, rounds);
            // Re-estimate after every call of the set is warm (the first ones ran before the JIT settled).
            long roundCost = 0;
            for (int c = 0; c < calls.size(); c++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps[s][c]; i++) calls.get(c).run();
                double perCall = (System.nanoTime() - t0) / (double) reps[s][c];
                reps[s][c] = rounds.reps(perCall);
                roundCost += (long) (perCall * reps[s][c]);
            }
            roundsOf[s] = (int) Math.max(rounds.minRounds(), Math.min(rounds.maxRounds(), sampling / Math.max(1, roundCost)));
            passes = Math.max(passes, roundsOf[s]);
        }
        double[][][] t = new double[k][][];
        for (int s = 0; s < k; s++) t[s] = new double[sets.get(s).size()][roundsOf[s]];
        int[] taken = new int[k];
        for (int p = 0; p < passes; p++) {
            for (int s = 0; s < k; s++) {
                long due = (long) (p + 1) * roundsOf[s] / passes;
                for (; taken[s] < due; taken[s]++) sampleRound(sets.get(s), reps[s], taken[s], t[s]);
            }
        }
        return t;
    }

    /** Runs call for at least warmNanos (and 3 times) and returns how many calls make one sample. */
    private static int warmAndCountReps(Runnable call, long warmNanos, Rounds rounds) {
        long start = System.nanoTime();
        int k = 0;
        while (System.nanoTime() - start < warmNanos || k < 3) {
            call.run();
            k++;
        }
        return rounds.reps((System.nanoTime() - start) / (double) k);
    }

    /** One sample of each call, the call that goes first rotating with the round. */
    private static void sampleRound(List<Runnable> calls, int[] reps, int round, double[][] t) {
        int n = calls.size();
        for (int j = 0; j < n; j++) {
            int c = (round + j) % n;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps[c]; i++) calls.get(c).run();
            t[c][round] = (System.nanoTime() - t0) / 1e3 / reps[c];
        }
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

        /**
         * Whether this median of per-round ratios and the ratio of the two sides' own medians point
         * different ways, one above 1 and the other below: each is right about what it measures,
         * and it happens when the machine's speed changed between rounds. A report printing both
         * should say so.
         */
        public boolean disagreesWith(double ratioOfMedians) {
            return Math.signum(median - 1) * Math.signum(ratioOfMedians - 1) < 0;
        }
    }
}
