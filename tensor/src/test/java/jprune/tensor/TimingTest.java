package jprune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class TimingTest {
    @Test
    void ratioIsTakenRoundByRoundWithItsRange() {
        // A burst of load in round 3 slows both sides alike: the per-round ratio does not see it.
        double[] dense = {10, 10, 40, 10, 11}, sparse = {5, 5, 20, 4, 5.5};
        Timing.Ratio r = Timing.Ratio.of(dense, sparse);
        assertEquals(2.0, r.median(), 1e-12);
        assertEquals(2.0, r.min(), 1e-12);
        assertEquals(2.5, r.max(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Timing.Ratio.of(new double[2], new double[3]));
        assertThrows(IllegalArgumentException.class, () -> Timing.Ratio.of(new double[0], new double[0]));
    }

    @Test
    void aMedianRatioCanDisagreeWithTheRatioOfMediansAndSaysSo() {
        // The machine slowed the model's side in two of three rounds and the baseline's in the third:
        // per round the model wins twice (median 1.1), yet the baseline's median time is the lower.
        double[] baseline = {11, 30, 10}, model = {10, 27, 20};
        Timing.Ratio r = Timing.Ratio.of(baseline, model);
        assertEquals(1.1, r.median(), 1e-12);
        double ofMedians = Timing.median(baseline.clone()) / Timing.median(model.clone());   // 11 / 20
        assertTrue(r.disagreesWith(ofMedians));
        assertFalse(r.disagreesWith(1.05));
        assertFalse(r.disagreesWith(1.0), "a tie points neither way");
        assertFalse(new Timing.Ratio(1.0, 0.9, 1.1).disagreesWith(0.5));
    }

    @Test
    void interleavedSamplesTimeEveryCallInEveryRound() {
        int[] calls = new int[2];
        Runnable a = () -> spin(calls, 0), b = () -> spin(calls, 1);
        double[][] t = Timing.interleavedSamples(List.of(a, b), 20);
        assertEquals(2, t.length);
        assertEquals(t[0].length, t[1].length);
        assertTrue(t[0].length >= 7, "rounds: " + t[0].length);
        for (double[] side : t) for (double us : side) assertTrue(us > 0 && us < 1e6, "µs per call: " + us);
        assertTrue(calls[0] > t[0].length && calls[1] > t[1].length);
    }

    /** Longer samples take more calls each; the number of rounds stays within the bounds asked for. */
    @Test
    void roundsSetTheSampleLengthAndTheirNumber() {
        int[] quick = new int[1], longer = new int[1];
        double[][] q = Timing.interleavedSamples(List.of(() -> spin(quick, 0)), 20, new Timing.Rounds(10_000, 20, 20));
        double[][] l = Timing.interleavedSamples(List.of(() -> spin(longer, 0)), 20, new Timing.Rounds(5_000_000, 3, 4));
        assertEquals(20, q[0].length);
        assertTrue(l[0].length >= 3 && l[0].length <= 4, "rounds: " + l[0].length);
        // A 5 ms sample holds 500 times the calls of a 10 µs one (the counts include the warm-up).
        double perRoundQuick = (double) quick[0] / q[0].length, perRoundLong = (double) longer[0] / l[0].length;
        assertTrue(perRoundLong > 5 * perRoundQuick, perRoundLong + " calls a round against " + perRoundQuick);
        assertThrows(IllegalArgumentException.class, () -> new Timing.Rounds(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Timing.Rounds(1000, 5, 4));
    }

    /**
     * Spread: a set that can afford only a few rounds takes them across the whole measurement of the
     * others, not in one stretch. A (microseconds a call) gets the 40 rounds allowed, B (5 ms a call,
     * 20 ms of sampling paying for 4) the 5 it is held to at least: after both warm up, each of B's rounds follows 8 of A's.
     */
    @Test
    void spreadSamplesSpreadEverySetsRoundsOverTheWholeMeasurement() {
        StringBuilder order = new StringBuilder();
        int[] calls = new int[2];
        Runnable a = () -> {
            order.append('A');
            spin(calls, 0);
        };
        Runnable b = () -> {
            order.append('B');
            long until = System.nanoTime() + 5_000_000;
            while (System.nanoTime() < until) Thread.onSpinWait();
        };
        double[][][] t = Timing.spreadSamples(List.of(List.of(a), List.of(b)), 1, 20, new Timing.Rounds(1, 5, 40));
        assertEquals(40, t[0][0].length);
        assertEquals(5, t[1][0].length);
        String measured = order.toString().replaceFirst("^A+B+", "");
        assertEquals("AAAAAAAAB".repeat(5), measured);
    }

    private static void spin(int[] calls, int which) {
        calls[which]++;
        long x = 0;
        for (int i = 0; i < 2000; i++) x += i * 31L;
        if (x == 42) calls[which]--;
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertEquals(2.0, Timing.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Timing.median(new double[] {4, 1, 3, 2}));
    }
}
