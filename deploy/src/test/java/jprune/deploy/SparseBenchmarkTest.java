package jprune.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a run reports: every point once, in the order measured, with consistent figures; sliced ELL only warm. */
class SparseBenchmarkTest {
    @Test
    void aWarmRunReportsEveryPointOnceInOrder() {
        SparseBenchmark.Shape shape = new SparseBenchmark.Shape("small", 48, 64);
        List<SparseBenchmark.Result> sunk = new ArrayList<>();
        List<SparseBenchmark.Result> results = new SparseBenchmark(3, false).run(shape, new double[] {0.5, 0.25}, new int[] {1, 8}, "warm", sunk::add);
        assertEquals(results, sunk, "the sink sees what is returned, in order");
        List<String> got = new ArrayList<>();
        for (SparseBenchmark.Result r : results) got.add(r.format() + "@" + r.density() + "x" + r.batch());
        assertEquals(List.of("dense@1.0x1", "dense@1.0x8",
                "csr@0.5x1", "csr@0.5x8", "bitmask@0.5x1", "bitmask@0.5x8", "sell@0.5x1", "sell@0.5x8", "block4x4@0.5x1", "block4x4@0.5x8",
                "2:4@0.5x1", "2:4@0.5x8",
                "csr@0.25x1", "csr@0.25x8", "bitmask@0.25x1", "bitmask@0.25x8", "sell@0.25x1", "sell@0.25x8", "block4x4@0.25x1", "block4x4@0.25x8",
                "1:4@0.25x1", "1:4@0.25x8"), got);
        for (SparseBenchmark.Result r : results) {
            assertTrue(r.micros() > 0 && r.gflops() > 0, r.toString());
            assertTrue(r.speedupMin() <= r.speedup() && r.speedup() <= r.speedupMax(), r.toString());
            if (r.format().equals("dense")) assertEquals(1.0, r.speedup());
        }
    }

    /**
     * Every call on a matrix's copies takes the next copy, whichever point's call it is, so no call
     * reads a copy that another point's call has just left in the cache. Each copy here holds its
     * own weight, so the product says which copy a call used.
     */
    @Test
    void callsFromEveryPointTakeTheCopiesInTurn() {
        List<jprune.deploy.format.WeightMatrix> copies = new ArrayList<>();
        for (int i = 0; i < 3; i++) copies.add(jprune.deploy.format.WeightFormats.encode("dense", new float[] {i + 1f}, 1, 1, false));
        SparseBenchmark.Encoded shared = new SparseBenchmark.Encoded(1.0, copies);
        float[] x = {1f}, ya = new float[1], yb = new float[1];
        Runnable a = SparseBenchmark.cycling(shared, x, ya, 1), b = SparseBenchmark.cycling(shared, x, yb, 1);
        List<Float> used = new ArrayList<>();
        for (Runnable call : List.of(a, b, a, a, b, b)) {
            call.run();
            used.add(call == a ? ya[0] : yb[0]);
        }
        assertEquals(List.of(1f, 2f, 3f, 1f, 2f, 3f), used);
    }

    /**
     * When a shape's format copies do not fit the memory allowed at once, its points are timed in
     * turns (here each format alone, as a 1-byte allowance forces); the report is the same list.
     */
    @Test
    void formatsThatDoNotFitTogetherAreTimedInTurnsAndReportedInOrder() {
        SparseBenchmark.Shape shape = new SparseBenchmark.Shape("small", 32, 40);
        List<String> progress = new ArrayList<>();
        List<SparseBenchmark.Result> results = new SparseBenchmark(2, false, progress::add, 1).run(shape, new double[] {0.5}, new int[] {1}, "streaming", null);
        List<String> got = new ArrayList<>();
        for (SparseBenchmark.Result r : results) got.add(r.format() + "@" + r.density() + "x" + r.batch() + " " + r.mode());
        assertEquals(List.of("dense@1.0x1 streaming", "csr@0.5x1 streaming", "bitmask@0.5x1 streaming", "block4x4@0.5x1 streaming", "2:4@0.5x1 streaming"), got);
        // dense goes with the first format; every later format is a turn of its own
        assertEquals(List.of("small streaming: timing 2 points together", "small streaming: timing 1 points together",
                        "small streaming: timing 1 points together", "small streaming: timing 1 points together"),
                progress.stream().filter(l -> l.contains("timing")).map(l -> l.replaceAll(" \\(about.*", "")).toList());
    }

    @Test
    void withTwoThreadsDenseAndTheCsrNearestTenPercentAreTimedOnOneThreadToo() {
        int saved = jprune.tensor.Parallel.threads();
        try {
            jprune.tensor.Parallel.setThreads(2);
            // 1024 × 1024: a million multiply-adds, the least a probe is taken at.
            SparseBenchmark.Shape shape = new SparseBenchmark.Shape("probe", 1024, 1024);
            SparseBenchmark bench = new SparseBenchmark(2, false);
            bench.run(shape, new double[] {0.3, 0.12}, new int[] {1}, "warm", null);
            List<String> got = bench.scaling().stream().map(x -> x.format() + "@" + x.density() + " " + x.threads()).toList();
            assertEquals(List.of("dense@1.0 2", "csr@0.12 2"), got);
            for (SparseBenchmark.Scaling x : bench.scaling())
                assertTrue(x.micros() > 0 && x.oneThreadMicros() > 0 && x.speedupMin() <= x.speedup() && x.speedup() <= x.speedupMax(), x.toString());
            // None for a product below the split threshold, nor without batch 1, nor on one thread.
            SparseBenchmark small = new SparseBenchmark(2, false);
            small.run(new SparseBenchmark.Shape("small", 1023, 1024), new double[] {0.1}, new int[] {1}, "warm", null);
            small.run(shape, new double[] {0.1}, new int[] {4}, "warm", null);
            jprune.tensor.Parallel.setThreads(1);
            small.run(shape, new double[] {0.1}, new int[] {1}, "warm", null);
            assertEquals(List.of(), small.scaling());
        } finally {
            jprune.tensor.Parallel.setThreads(saved);
        }
    }

    @Test
    void theProbedCsrDensityIsTheOneNearestTenPercent() {
        assertEquals(0.1, SparseBenchmark.scalingDensity(List.of(0.5, 0.3, 0.2, 0.1, 0.05, 0.02)));
        assertEquals(0.05, SparseBenchmark.scalingDensity(List.of(0.5, 0.05, 0.02)));
        assertTrue(Double.isNaN(SparseBenchmark.scalingDensity(List.of())));
    }
}
