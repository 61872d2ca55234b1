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
     * Below this many multiply-adds a product stays on the calling thread: waking the pool costs
     * ~15 µs, about 60k multiply-adds of a sparse row loop.
     */
    static final long PARALLEL_WORK = 1L << 16;

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
