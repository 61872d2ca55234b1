package jprune.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AxisTest {
    private static List<String> labels(Axis a) {
        return a.ticks().stream().map(a::label).toList();
    }

    @Test
    void linearTicksAreRoundNumbers() {
        // The range the old report labelled 29.21 / 44.41 / 59.60.
        assertEquals(List.of("25", "30", "35", "40", "45", "50", "55", "60"), labels(Axis.linear(29.21, 59.60, false)));
        assertEquals(List.of("0", "20", "40", "60", "80", "100"), labels(Axis.linear(0, 100, false)));
        assertEquals(List.of("89.2", "89.4", "89.6", "89.8", "90.0"), labels(Axis.linear(89.21, 89.98, false)));
        assertEquals(List.of("-0.10", "-0.05", "0.00", "0.05", "0.10", "0.15"), labels(Axis.linear(-0.093, 0.141, false)));
        assertEquals(List.of("0", "50k", "100k", "150k", "200k"), labels(Axis.linear(0, 187000, false)));
        assertEquals(List.of("0", "2", "4", "6", "8", "10", "12"), labels(Axis.linear(1, 12, true)));
        assertEquals(List.of("0", "1", "2"), labels(Axis.linear(1, 1, true)), "a single round still gets a scale");
    }

    @Test
    void logTicksAreLabelledInRealUnits() {
        // The roofline's old labels were the exponents -0.01826, 0.9635, 1.945.
        assertEquals(List.of("0.01", "0.1", "1", "10", "100", "1k"), labels(Axis.log(0.0183, 469 * 1.3)));
        assertEquals(List.of("0.5", "1", "2"), labels(Axis.log(0.9, 1.7)));
        assertEquals(List.of("2", "5", "10", "20", "50"), labels(Axis.log(2, 50)));
        assertEquals(List.of("5", "10", "20", "50", "100"), labels(Axis.log(6.87, 80)));
        assertEquals(List.of("1", "10", "100", "1k", "10k", "100k"), labels(Axis.log(1.5, 90000)));
    }

    @Test
    void everyRangeGetsAFewRoundTicksCoveringIt() {
        Random rng = new Random(42);
        for (int i = 0; i < 2000; i++) {
            double a = (rng.nextDouble() - 0.3) * Math.pow(10, rng.nextInt(12) - 5), b = a + rng.nextDouble() * Math.pow(10, rng.nextInt(12) - 5);
            Axis x = Axis.linear(a, b, false);
            double tol = 1e-9 * (b - a);   // invisible on any chart
            assertTrue(x.lo() <= a + tol && x.hi() >= b - tol, "covers [" + a + ", " + b + "]: " + x.lo() + ".." + x.hi());
            assertTrue(x.ticks().size() >= 3 && x.ticks().size() <= 12, "[" + a + ", " + b + "]: " + x.ticks());
            assertEquals(x.ticks().size(), labels(x).stream().distinct().count(), "distinct labels for [" + a + ", " + b + "]: " + labels(x));
            double step = x.ticks().get(1) - x.ticks().get(0), mag = Math.pow(10, Math.floor(Math.log10(step)));
            boolean round = false;
            for (double k : new double[] {1, 2, 5, 10}) round |= Math.abs(step / (k * mag) - 1) < 1e-3;
            assertTrue(round, "1-2-5 step, got " + step);
            for (String l : labels(x)) assertFalse(l.contains("E") || l.contains("e"), l);
            if (a > 0) {
                Axis g = Axis.log(a, Math.max(b, a * 1.0001));
                assertTrue(g.lo() <= a * (1 + 1e-9) && g.hi() >= b * (1 - 1e-9) && g.ticks().size() >= 2, "log [" + a + ", " + b + "]: " + g.ticks());
                for (String l : labels(g)) assertFalse(l.contains("E") || l.contains("e"), l);
            }
        }
    }

    @Test
    void badRangesAreRefusedByName() {
        assertThrows(IllegalArgumentException.class, () -> Axis.log(0, 10));
        assertThrows(IllegalArgumentException.class, () -> Axis.linear(Double.NaN, 1, false));
        assertThrows(IllegalArgumentException.class, () -> Axis.linear(2, 1, false));
    }
}
