package jprune.deploy.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import jprune.tensor.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A batch-1 product shared out in chunks writes every row once from the right chunk, cut by cost. */
class RowChunksTest {
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    @Test
    void aSharedProductWritesEveryRowOfEveryUnitAndCutsByCost() {
        // 100 units of 4 rows (the last one short: 397 rows), unit u costing u + 1: later chunks hold fewer units.
        int units = 100, rowsPerUnit = 4, rows = 397;
        int[] prefix = new int[units + 1];
        for (int u = 0; u < units; u++) prefix[u + 1] = prefix[u] + u + 1;
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            float[] y = new float[rows];
            List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
            RowChunks.vector(units, prefix, RowChunks.PARALLEL_WORK, rowsPerUnit, rows, y, (out, from, to) -> {
                ranges.add(new int[] {from, to});
                for (int r = from * rowsPerUnit; r < Math.min(rows, to * rowsPerUnit); r++) out[r] = r + 1;
            });
            for (int r = 0; r < rows; r++) assertEquals(r + 1, y[r], "row " + r + " at " + threads + " threads");
            if (threads == 1) {
                assertEquals(List.of(0, units), List.of(ranges.get(0)[0], ranges.get(0)[1]), "one thread: one pass over every unit");
                continue;
            }
            // Each of the chunks is computed at least once (a late helper's may be computed twice); they tile the units.
            java.util.TreeMap<Integer, Integer> chunks = new java.util.TreeMap<>();
            for (int[] r : ranges) assertEquals(r[1], (int) chunks.merge(r[0], r[1], (a, b) -> a.equals(b) ? a : -1), "one chunk, one range");
            assertEquals(RowChunks.VECTOR_CHUNKS, chunks.size());
            int end = 0;
            for (var c : chunks.entrySet()) {
                assertEquals(end, c.getKey(), "chunks tile the units");
                end = c.getValue();
            }
            assertEquals(units, end);
            assertTrue(chunks.firstEntry().getValue() - chunks.firstKey() > chunks.lastEntry().getValue() - chunks.lastKey(),
                    "cheap first units: the first chunk holds more of them than the last");
        }
    }
}
