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
