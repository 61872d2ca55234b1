package jprune.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The one thread pool of jprune's kernels. Work is split into at most {@link #threads()} coarse,
 * contiguous chunks whose boundaries depend only on the range and the thread count, so every
 * result is the same run after run for a given thread count. Calls made from inside a chunk run
 * serially on the calling thread (no nested fan-out, no deadlock).
 */
public final class Parallel {
    private static volatile int threads = defaultThreads();
    private static volatile ForkJoinPool pool;

    private Parallel() {}

    /** Splits [0, n) into chunks; body receives (chunkIndex, from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int chunk, int from, int to);
    }

    private static int defaultThreads() {
        String p = System.getProperty("jprune.threads", System.getenv("JPRUNE_THREADS"));
        if (p != null && !p.isBlank()) {
            try {
                int t = Integer.parseInt(p.trim());
                if (t >= 1) return t;
            } catch (NumberFormatException ignored) {
                // fall through to the machine's core count
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    public static int threads() {
        return threads;
    }

    /** Sets the number of threads kernels use (1 = everything on the calling thread). */
    public static synchronized void setThreads(int t) {
        if (t < 1) throw new IllegalArgumentException("threads must be >= 1, got " + t);
        if (t != threads) {
            ForkJoinPool old = pool;
            pool = null;
            threads = t;
            if (old != null) old.shutdown();
        }
    }

    private static ForkJoinPool pool() {
        ForkJoinPool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null) {
                    p = new ForkJoinPool(threads, fjp -> {
                        var w = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(fjp);
                        w.setDaemon(true);
                        w.setName("jprune-" + w.getPoolIndex());
                        return w;
                    }, null, false);
                    pool = p;
                }
            }
        }
        return p;
    }

    /** Number of chunks {@link #forRange} will use for n items. */
    public static int chunks(int n) {
        return Math.max(1, Math.min(threads, n));
    }

    /** True when the calling thread is one of the pool's workers (nested calls run serially). */
    public static boolean inWorker() {
        return ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == pool;
    }

    /**
     * Runs body over [0, n) split into {@link #chunks(int)} contiguous chunks. Runs serially when n is
     * small relative to {@code minPerChunk}, when there is one thread, or when called from a worker.
     */
    public static void forRange(int n, int minPerChunk, RangeBody body) {
        if (n <= 0) return;
        int c = Math.min(chunks(n), Math.max(1, n / Math.max(1, minPerChunk)));
        if (c <= 1 || inWorker()) {
            if (c <= 1) {
                body.run(0, 0, n);
            } else {
                for (int i = 0; i < c; i++) body.run(i, bound(n, c, i), bound(n, c, i + 1));
            }
            return;
        }
        final int chunks = c;
        pool().invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                RecursiveAction[] tasks = new RecursiveAction[chunks];
                for (int i = 0; i < chunks; i++) {
                    final int k = i;
                    tasks[i] = new RecursiveAction() {
                        @Override
                        protected void compute() {
                            body.run(k, bound(n, chunks, k), bound(n, chunks, k + 1));
                        }
                    };
                }
                invokeAll(tasks);
            }
        });
    }

    /** Start of chunk i when n items are split into c near-equal chunks. */
    public static int bound(int n, int c, int i) {
        return (int) ((long) n * i / c);
    }
}
