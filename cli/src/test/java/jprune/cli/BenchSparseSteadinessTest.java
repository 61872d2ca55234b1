package jprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import jprune.deploy.SparseBenchmark;
import org.junit.jupiter.api.Test;

class BenchSparseSteadinessTest {
    private static SparseBenchmark.Result point(String format, double density, int batch, double us, double denseUs) {
        return new SparseBenchmark.Result("4096x4096", 4096, 4096, density, format, batch, "streaming", us, denseUs, 1, denseUs / us, 1, 1, 1, 1);
    }

    @Test
    void denseTimesAcrossAShapeBatchAndModeGiveHowFarTheMachineMoved() {
        List<SparseBenchmark.Result> all = List.of(
                point("dense", 1, 1, 1000, 1000), point("csr", 0.5, 1, 800, 1200), point("csr", 0.1, 1, 300, 1100),
                point("dense", 1, 64, 9000, 9000), point("csr", 0.1, 64, 3000, 9450));
        List<Map<String, Object>> st = BenchSparseCommand.steadiness(all);
        assertEquals(2, st.size());
        Map<String, Object> b1 = st.get(0), b64 = st.get(1);
        assertEquals(1, b1.get("batch"));
        assertEquals(3, b1.get("points"));
        assertEquals(1000.0, b1.get("dense_us_min"));
        assertEquals(1200.0, b1.get("dense_us_max"));
        assertEquals(0.2, (Double) b1.get("dense_moved"), 1e-12);
        assertTrue((Double) b1.get("dense_moved") > BenchSparseCommand.UNSTEADY);
        assertEquals(64, b64.get("batch"));
        assertEquals(0.05, (Double) b64.get("dense_moved"), 1e-12);
    }

    @Test
    void theCrossoverIsTheHighestDensityWhereAFormatWinsAndNamesTheFastestThere() {
        List<SparseBenchmark.Result> all = List.of(
                point("dense", 1, 1, 1000, 1000), point("csr", 0.5, 1, 1250, 1000), point("block4x4", 0.5, 1, 1100, 1000),
                point("csr", 0.1, 1, 500, 1000), point("block4x4", 0.1, 1, 250, 1000), point("bitmask", 0.1, 1, 400, 1000),
                point("csr", 0.05, 1, 100, 1000));
        Map<String, Object> c = BenchSparseCommand.crossovers(all).get(0);
        assertEquals(0.1, c.get("crossover_density"));
        assertEquals("block4x4", c.get("best_format"));
        assertEquals(4.0, (Double) c.get("best_speedup"), 1e-12);
        Map<String, Object> none = BenchSparseCommand.crossovers(List.of(point("csr", 0.5, 1, 1500, 1000))).get(0);
        assertEquals(null, none.get("crossover_density"));
        assertEquals(null, none.get("best_format"));
    }

    @Test
    void theReportFlagsAnUnsteadyRun() {
        String html = BenchSparseReport.build(SyntheticMetrics.benchSparse()).html();
        assertTrue(html.contains("Steadiness"), "no steadiness section");
        assertTrue(html.contains("71% (unsteady)"), "the 71% move is not flagged");
        assertTrue(html.contains("9%</td>") || html.contains(">9%<"), "the 9% move should read plainly");
    }

    @Test
    void theReportFlagsAGatheringKernelThatGainedLittleFromItsThreads() {
        String html = BenchSparseReport.build(SyntheticMetrics.benchSparse()).html();
        assertTrue(html.contains("Threads: batch-1 products"), "no thread-scaling section");
        assertTrue(html.contains("1.04× (0.55–2.10) (low)"), "CSR's 1.04× is not flagged");
        assertTrue(html.contains("1.84× (0.35–6.32)<"), "dense's gain should read plainly");
    }
}
