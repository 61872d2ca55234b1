package jprune.deploy;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jprune.tensor.Rng;
import org.junit.jupiter.api.Test;

class FormatChooserTest {
    static float[] sparse(int rows, int cols, double density, long seed) {
        Rng rng = new Rng(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) if (rng.nextFloat() < density) w[i] = (float) rng.nextGaussian();
        return w;
    }

    @Test
    void theChosenMatrixHoldsExactlyTheWeightAndEveryCandidateIsReported() {
        float[] w = sparse(40, 70, 0.5, 1);   // dense enough that no N:M pattern holds
        FormatChooser.Choice c = new FormatChooser(FormatChooser.Goal.LATENCY, 5).choose(w, 40, 70, false, 1, 8);
        assertArrayEquals(w, c.matrix().toDense());
        List<String> formats = c.candidates().stream().map(FormatChooser.Candidate::format).toList();
        assertTrue(formats.containsAll(List.of("dense", "csr", "bitmask")), formats.toString());
        assertTrue(formats.stream().noneMatch(f -> f.contains(":")), "a random mask is no N:M pattern: " + formats);
        assertTrue(c.reason().startsWith(c.matrix().format()), c.reason());
        assertEquals(c.candidates().size(), ((List<?>) c.toMap().get("candidates")).size());
    }

    @Test
    void nOfMWeightsAndBlockWeightsBecomeCandidates() {
        float[] w = sparse(16, 32, 1.0, 2);
        for (int i = 0; i < w.length; i += 4) { w[i] = 0; w[i + 2] = 0; }   // 2:4
        // Which formats are candidates does not depend on their times: a flat fake clock saves the warm-ups.
        FormatChooser.Timer flat = (f, products, columns, batch1) -> java.util.Collections.nCopies(f.size(), 1.0).stream().mapToDouble(d -> d).toArray();
        List<String> formats = new FormatChooser(FormatChooser.Goal.THROUGHPUT, flat).choose(w, 16, 32, false, 1, 4)
                .candidates().stream().map(FormatChooser.Candidate::format).toList();
        assertTrue(formats.contains("2:4"), formats.toString());
        float[] b = new float[16 * 32];
        for (int r = 0; r < 8; r++) for (int c = 0; c < 8; c++) b[r * 32 + c] = 1f + r + c;   // one dense 8x8 block
        formats = new FormatChooser(FormatChooser.Goal.LATENCY, flat).choose(b, 16, 32, true, 1, 4)
                .candidates().stream().map(FormatChooser.Candidate::format).toList();
        assertTrue(formats.stream().anyMatch(f -> f.startsWith("block")), formats.toString());
        assertTrue(formats.stream().allMatch(f -> f.endsWith("int8")), "int8 candidates only: " + formats);
    }

    /**
     * Every candidate's products run at both batch sizes: a linear layer's through a compiled plan
     * (fp32 and int8), a convolution's through the format's own product; a clock that runs each once.
     */
    @Test
    void everyCandidatesProductsRunAtBothBatchSizes() {
        List<String> ran = new ArrayList<>();
        FormatChooser.Timer once = (formats, products, columns, batch1) -> {
            for (int i = 0; i < products.size(); i++) {
                products.get(i).run();
                ran.add(formats.get(i) + "@" + columns);
            }
            return new double[products.size()];
        };
        float[] w = sparse(24, 50, 0.25, 3);
        for (boolean int8 : new boolean[] {false, true}) {
            for (int[] columns : new int[][] {{1, 16}, {9, 36}}) {
                ran.clear();
                FormatChooser.Choice c = new FormatChooser(FormatChooser.Goal.LATENCY, once).choose(w, 24, 50, int8, columns[0], columns[1]);
                assertEquals(2 * c.candidates().size(), ran.size(), ran.toString());
                assertTrue(ran.contains(c.candidates().get(0).format() + "@" + columns[1]), ran.toString());
            }
        }
    }

    /** A fake clock: each format's microseconds at batch 1 and at the serving batch; products are never run. */
    static FormatChooser.Timer fake(Map<String, double[]> micros, List<String> calls) {
        return (formats, products, columns, batch1) -> {
            assertEquals(formats.size(), products.size());
            calls.add((batch1 ? "batch1:" : "batchN:") + columns);
            assertTrue(micros.keySet().containsAll(formats), "candidates " + formats);
            return formats.stream().mapToDouble(f -> micros.get(f)[batch1 ? 0 : 1]).toArray();
        };
    }

    /** A 2:4 weight whose every other column is whole, so 16×1 blocks hold it too. */
    static float[] twoOfFour() {
        float[] w = sparse(16, 32, 1.0, 2);
        for (int i = 0; i < w.length; i += 4) { w[i] = 0; w[i + 2] = 0; }
        return w;
    }

    @Test
    void theFastestFormatForTheGoalWins() {
        float[] w = twoOfFour();
        Map<String, double[]> t = Map.of("dense", new double[] {10, 20}, "csr", new double[] {6, 9}, "bitmask", new double[] {8, 12},
                "sell", new double[] {9, 13}, "2:4", new double[] {4, 15}, "block16x1", new double[] {7, 11});
        List<String> calls = new ArrayList<>();
        FormatChooser.Choice latency = new FormatChooser(FormatChooser.Goal.LATENCY, fake(t, calls)).choose(w, 16, 32, false, 1, 8);
        assertEquals("2:4", latency.matrix().format(), latency.reason());
        assertArrayEquals(w, latency.matrix().toDense());
        assertEquals(List.of("batch1:1", "batchN:8"), calls, "each batch size timed once, at its columns");
        assertTrue(latency.reason().contains("2.50x"), latency.reason());
        FormatChooser.Choice throughput = new FormatChooser(FormatChooser.Goal.THROUGHPUT, fake(t, calls)).choose(w, 16, 32, false, 1, 8);
        assertEquals("csr", throughput.matrix().format(), throughput.reason());
        // Excluded formats are not candidates (the fake fails on a format it has no timing for).
        Map<String, double[]> noSell = new HashMap<>(t);
        noSell.remove("sell");
        FormatChooser.Choice without = new FormatChooser(FormatChooser.Goal.LATENCY, fake(noSell, new ArrayList<>())).excluding("sell")
                .choose(w, 16, 32, false, 1, 8);
        assertEquals(List.of("dense", "csr", "bitmask", "2:4", "block16x1"), without.candidates().stream().map(FormatChooser.Candidate::format).toList());
        assertThrows(IllegalArgumentException.class, () -> new FormatChooser(FormatChooser.Goal.LATENCY, fake(t, calls)).excluding("dense"));
        for (FormatChooser.Candidate c : throughput.candidates()) {
            assertEquals(t.get(c.format())[0], c.microsBatch1(), c.format());
            assertEquals(t.get(c.format())[1], c.microsBatchN(), c.format());
        }
    }

    @Test
    void aClearlyFasterFormatWinsWhateverItsSizeAndNearTiesGoToTheSmallest() {
        float[] w = twoOfFour();
        Map<String, double[]> denseFastest = new HashMap<>(Map.of("dense", new double[] {5, 5}, "csr", new double[] {10, 10},
                "bitmask", new double[] {10, 10}, "sell", new double[] {10, 10}, "2:4", new double[] {10, 10}, "block16x1", new double[] {10, 10}));
        assertEquals("dense", new FormatChooser(FormatChooser.Goal.LATENCY, fake(denseFastest, new ArrayList<>())).choose(w, 16, 32, false, 1, 8)
                .matrix().format());
        // Every format within 3% of the others: the fewest bytes win, even against a slightly faster one.
        Map<String, double[]> tie = new HashMap<>(Map.of("dense", new double[] {10, 10}, "csr", new double[] {10.2, 10},
                "bitmask", new double[] {10.1, 10}, "sell", new double[] {10.05, 10}, "2:4", new double[] {10.25, 10}, "block16x1", new double[] {10.15, 10}));
        FormatChooser.Choice c = new FormatChooser(FormatChooser.Goal.LATENCY, fake(tie, new ArrayList<>())).choose(w, 16, 32, false, 1, 8);
        FormatChooser.Candidate smallest = c.candidates().stream().min(java.util.Comparator.comparingLong(FormatChooser.Candidate::bytes)).orElseThrow();
        assertEquals(smallest.format(), c.matrix().format(), c.candidates().toString());
        assertNotEquals("dense", smallest.format());
    }

    /**
     * A convolution's candidates are timed as the compressed model runs them (every one runs here,
     * fp32 and int8): at one sample's and the serving batch's output positions.
     */
    @Test
    void aConvolutionsCandidatesRunAsTheModelRunsThem() {
        float[] w = twoOfFour();   // 16 outputs × (8 channels · 2 · 2)
        jprune.nn.layers.Conv2d conv = new jprune.nn.layers.Conv2d(8, 16, 2, 1, 0, true, new Rng(4));
        Map<String, double[]> t = Map.of("dense", new double[] {10, 20}, "csr", new double[] {6, 30}, "bitmask", new double[] {8, 12},
                "sell", new double[] {9.5, 14}, "2:4", new double[] {7, 15}, "block16x1", new double[] {9, 11});
        for (boolean int8 : new boolean[] {false, true}) {
            List<String> calls = new ArrayList<>();
            FormatChooser.Timer runningFake = (formats, products, columns, batch1) -> {
                products.forEach(Runnable::run);
                Map<String, double[]> byBase = new HashMap<>();
                for (String f : formats) byBase.put(f, t.get(f.replace("-int8", "")));
                return fake(byBase, calls).micros(formats, products, columns, batch1);
            };
            FormatChooser.Choice latency = new FormatChooser(FormatChooser.Goal.LATENCY, runningFake).chooseConvolution(conv, w, int8, 8, 5, 5, 8);
            assertEquals(int8 ? "csr-int8" : "csr", latency.matrix().format(), latency.reason());
            assertEquals(List.of("batch1:16", "batchN:128"), calls, "4×4 output positions a sample, 8 samples");
            FormatChooser.Choice throughput = new FormatChooser(FormatChooser.Goal.THROUGHPUT, runningFake).chooseConvolution(conv, w, int8, 8, 5, 5, 8);
            assertEquals(int8 ? "block16x1-int8" : "block16x1", throughput.matrix().format(), throughput.reason());
        }
    }
}
