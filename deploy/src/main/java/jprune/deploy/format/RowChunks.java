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

    /**
     * Chunks a batch-1 product is shared out in ({@link #vector}): enough that a thread on a core
     * another process slows takes fewer of them. Measured on the 2-core Zen 5 VM (2026-12-05, CSR
     * 10% at 4096², the two halves of forRange timed apart): for tens of seconds at a time one
     * thread's half took 400-530 µs while the other's took 280-310, and the product waited for the
     * slower.
     */
    static final int VECTOR_CHUNKS = 8;

    @FunctionalInterface
    interface Body {
        void rows(int from, int to);
    }

    /** Computes units [from, to) of a product into out (the rows they cover, at the same indices as in y) and nothing else. */
    @FunctionalInterface
    interface RowsInto {
        void rows(float[] out, int from, int to);
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

    /**
     * A matrix-vector product y = W·x of units (a row, or a block of rowsPerUnit rows; rows in all)
     * whose cost is given by a monotone prefix as in {@link #weighted}, or of equal cost when prefix
     * is null. Above {@link #PARALLEL_WORK} it is shared out in {@link #VECTOR_CHUNKS} chunks with
     * {@link Parallel#share}: each thread takes chunks as it finishes the last, computes them into
     * its own buffer and copies them out, so a thread slowed by another process does fewer and
     * the product does not wait for it. The split never changes a row's sum.
     */
    static void vector(int units, int[] prefix, long work, int rowsPerUnit, int rows, float[] y, RowsInto body) {
        if (units == 0) return;
        int chunks = Math.min(VECTOR_CHUNKS, units);
        if (work < PARALLEL_WORK || Parallel.threads() == 1 || chunks == 1) {
            body.rows(y, 0, units);
            return;
        }
        long total = prefix == null ? 0 : (long) prefix[units] - prefix[0];
        Parallel.share(chunks, c -> {
            int from = prefix == null ? Parallel.bound(units, chunks, c) : rowAt(prefix, units, total, c, chunks);
            int to = prefix == null ? Parallel.bound(units, chunks, c + 1) : rowAt(prefix, units, total, c + 1, chunks);
            float[] part = Scratch.get().product(rows);
            body.rows(part, from, to);
            int r0 = Math.min(rows, from * rowsPerUnit), r1 = Math.min(rows, to * rowsPerUnit);
            return () -> System.arraycopy(part, r0, y, r0, r1 - r0);
        });
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
