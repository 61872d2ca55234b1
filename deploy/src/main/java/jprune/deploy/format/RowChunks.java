package jprune.deploy.format;

import jprune.tensor.Parallel;

/**
 * Splits a product's rows over jprune's threads in coarse contiguous chunks, one per thread. Every
 * kernel computes each output row on its own, in a fixed order, so results are bit-identical
 * whatever the split; the split only balances the work.
 */
final class RowChunks {
    private RowChunks() {}

    /**
     * Below this many multiply-adds a product stays on the calling thread. Measured on the 2-core
     * Zen 5 VM (2026-12-03, dense matrix-vector product, one thread against two, repeated calls): a
     * fork-join hand-off and join costs about 28 µs there (300×784: 12.8 µs alone, 34.7 µs split),
     * and splitting first pays at about a million multiply-adds (1000×1000: 69 against 65 µs;
     * 2000×1000: 126 against 93 µs). The earlier 64k came from a machine where the hand-off cost
     * 15 µs; the inference plan uses the same million ({@code InferencePlan.PARALLEL_WORK}).
     */
    static final long PARALLEL_WORK = 1L << 20;

    @FunctionalInterface
    interface Body {
        void rows(int from, int to);
    }

    /** Rows of about equal cost. */
    static void uniform(int rows, long work, Body body) {
        if (rows == 0) return;
        if (work < PARALLEL_WORK || Parallel.threads() == 1) {
            body.rows(0, rows);
            return;
        }
        Parallel.forRange(rows, 1, (chunk, from, to) -> body.rows(from, to));
    }

    /**
     * Rows whose cost is given by a monotone prefix (a CSR row pointer: row r costs
     * prefix[r+1] − prefix[r] units, each unitWork multiply-adds), cut so every chunk gets about the
     * same number of units rather than of rows: pruned layers often have very uneven rows.
     */
    static void weighted(int rows, int[] prefix, long unitWork, Body body) {
        if (rows == 0) return;
        long units = (long) prefix[rows] - prefix[0];
        int parts = Parallel.chunks(rows);
        if (units * unitWork + rows < PARALLEL_WORK || parts == 1) {
            body.rows(0, rows);
            return;
        }
        Parallel.forRange(parts, 1, (chunk, from, to) ->
                body.rows(rowAt(prefix, rows, units, from, parts), rowAt(prefix, rows, units, to, parts)));
    }

    /** First row whose start reaches part/parts of the units (part = parts gives rows). */
    static int rowAt(int[] prefix, int rows, long units, int part, int parts) {
        if (part >= parts) return rows;
        long target = prefix[0] + units * part / parts;
        int lo = 0, hi = rows;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (prefix[mid] < target) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
