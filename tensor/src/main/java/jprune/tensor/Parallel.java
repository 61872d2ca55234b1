package jprune.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * The one thread pool of jprune's kernels: threads − 1 workers plus the calling thread, which runs
 * the first chunk itself. Work is split into at most {@link #threads()} coarse,
 * contiguous chunks whose boundaries depend only on the range and the thread count, so every
 * result is the same run after run for a given thread count. Calls made from inside a chunk run
 * serially on the calling thread (no nested fan-out, no deadlock).
 */
public final class Parallel {
    private static volatile int threads = defaultThreads();
    private static volatile ForkJoinPool pool;
    /** Set while the calling thread runs its own chunk, so calls nested in it stay serial too. */
    private static final ThreadLocal<boolean[]> IN_CHUNK = ThreadLocal.withInitial(() -> new boolean[1]);

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
                    p = new ForkJoinPool(Math.max(1, threads - 1), fjp -> {
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

    /** True inside a chunk of a parallel range, on a worker or the caller (nested calls run serially). */
    public static boolean inWorker() {
        return IN_CHUNK.get()[0] || ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == pool;
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
        // The caller runs chunk 0 itself while the pool's threads take the rest: one wake-up fewer,
        // and no thread sits idle waiting for the others.
        ForkJoinTask<?>[] rest = new ForkJoinTask<?>[c - 1];
        ForkJoinPool p = pool();
        RANGES_WAITING.incrementAndGet();
        Throwable failure = null;
        try {
            for (int i = 1; i < c; i++) {
                final int k = i, chunks = c;
                rest[i - 1] = p.submit(() -> body.run(k, bound(n, chunks, k), bound(n, chunks, k + 1)));
            }
            boolean[] inChunk = IN_CHUNK.get();
            inChunk[0] = true;
            try {
                body.run(0, 0, bound(n, c, 1));
            } catch (Throwable t) {
                failure = t;
            } finally {
                inChunk[0] = false;
            }
            for (ForkJoinTask<?> t : rest) {
                try {
                    t.join();
                } catch (Throwable e) {
                    if (failure == null) failure = e;
                }
            }
        } finally {
            RANGES_WAITING.decrementAndGet();   // also when a submit is refused
        }
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error er) throw er;
        if (failure != null) throw new RuntimeException(failure);
    }

    /**
     * Starts task on count of the pool's threads (at most threads − 1) and returns without waiting:
     * for callers that share out work through their own counters and can finish it alone when a
     * helper is late (a core held by another process), rather than wait for it. The task runs as a
     * chunk (nested calls stay serial); a failure in it is dropped, so it must not be the only
     * record of its work.
     */
    public static void help(int count, Runnable task) {
        int n = Math.min(count, threads - 1);
        if (n <= 0) return;
        ForkJoinPool p = pool();
        Runnable dropFailures = () -> {
            try {
                task.run();
            } catch (RuntimeException lateOrFailed) {
                // Dropped: the caller finishes or redoes this work and meets any real failure itself. A
                // late helper can fail only because the caller has moved on (e.g. closed a mapped file).
            }
        };
        for (int i = 0; i < n; i++) p.execute(dropFailures);
    }

    /**
     * Runs body on the calling thread as a chunk: kernels it calls stay serial, as they do in a
     * chunk of {@link #forRange}. For a caller that shares out its own work with {@link #help}.
     */
    public static void runAsChunk(Runnable body) {
        boolean[] inChunk = IN_CHUNK.get();
        boolean was = inChunk[0];
        inChunk[0] = true;
        try {
            body.run();
        } finally {
            inChunk[0] = was;
        }
    }

    /** One chunk of work shared by {@link #share}: computes chunk c on the calling thread's own buffers. */
    @FunctionalInterface
    public interface SharedChunk {
        /** Computes chunk c without touching shared outputs and returns what writes it out. */
        Runnable compute(int c);
    }

    /**
     * Runs chunks [0, chunks) on the calling thread and the pool's, for work that must not wait on a
     * thread another process has preempted (batch-1 decoding, 70 hand-offs a token). The caller takes
     * chunks from the bottom, helpers from the top, so with two threads that keep pace each computes
     * the same chunks call after call, and finds their data in its own caches. Whoever takes a chunk
     * computes it and publishes it only if nobody has (a compare-and-set).
     * The caller, its counter spent, waits for the chunks helpers hold only about twice its own
     * chunk time; then it computes them itself. A chunk's result must not depend on who computes
     * it, so the outcome does not depend on scheduling; a late helper publishes nothing.
     */
    public static void share(int chunks, SharedChunk task) {
        if (chunks <= 0) return;
        if (chunks == 1 || threads == 1 || inWorker()) {
            for (int c = 0; c < chunks; c++) task.compute(c).run();
            return;
        }
        new SharedRun(chunks, task).run();
    }

    /** A shared run handed to a helper that is spinning for one (null when none is waiting). */
    private static final java.util.concurrent.atomic.AtomicReference<SharedRun> HANDOFF = new java.util.concurrent.atomic.AtomicReference<>();
    /** Helpers spinning for a handed-off run. */
    private static final java.util.concurrent.atomic.AtomicInteger WARM = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * forRange calls whose chunks are in the pool: a helper spinning for a shared run holds the pool's
     * thread, so it stops spinning while this is not zero. Prefill alternates shared attention with
     * forRange products, and each product's chunk used to wait out the whole spin: a 64-token prefill of
     * the demo's language model ran at 2,037-3,761 tokens/s on 2 threads (ten runs) against 7,133-16,540
     * after (five, alternating with the old jar; `lm bench --prompt-tokens 64 --decode-tokens 64 --repeats 15
     * --skip-limits`, 2026-12-04, AMD EPYC VM); decode stayed as it was (run medians 1,317-2,356 tokens/s
     * against 1,317-2,402).
     */
    private static final java.util.concurrent.atomic.AtomicInteger RANGES_WAITING = new java.util.concurrent.atomic.AtomicInteger();
    /** How long a helper spins for the next shared run before it returns to the pool. */
    private static final long WARM_NANOS = 200_000;

    private static final class SharedRun {
        private static final int OPEN = 0, PUBLISHING = 1, DONE = 2;
        /** Wait granted on top of two chunk times: a helper's wake-up and its first cache misses. */
        private static final long GRACE_NANOS = 20_000;
        private final int chunks;
        private final SharedChunk task;
        /** Chunks not yet taken, [low, high): high in the upper 32 bits, low in the lower. */
        private final java.util.concurrent.atomic.AtomicLong untaken;
        private final java.util.concurrent.atomic.AtomicIntegerArray state;
        private final java.util.concurrent.atomic.AtomicLongArray takenAt;

        SharedRun(int chunks, SharedChunk task) {
            this.chunks = chunks;
            this.task = task;
            this.untaken = new java.util.concurrent.atomic.AtomicLong((long) chunks << 32);
            this.state = new java.util.concurrent.atomic.AtomicIntegerArray(chunks);
            this.takenAt = new java.util.concurrent.atomic.AtomicLongArray(chunks);
        }

        void run() {
            // A helper still spinning after the previous run takes this one without a wake-up; else the pool's.
            boolean handedOff = WARM.get() > 0 && HANDOFF.compareAndSet(null, this);
            help(chunks - 1 - (handedOff ? 1 : 0), this::helpAndStayWarm);
            runAsChunk(() -> {
                long start = System.nanoTime();
                int mine = take(false);
                long chunkTime = mine == 0 ? GRACE_NANOS : (System.nanoTime() - start) / mine;
                for (int c = 0; c < chunks; c++) {
                    long seen = System.nanoTime();
                    while (state.get(c) == OPEN) {
                        long now = System.nanoTime();
                        if (now - Math.max(takenAt.get(c), seen) > 2 * chunkTime + GRACE_NANOS) {
                            chunk(c);
                            break;
                        }
                        Thread.onSpinWait();
                    }
                }
            });
            for (int c = 0; c < chunks; c++) while (state.get(c) != DONE) Thread.onSpinWait();
        }

        /**
         * On a pool thread: this run's chunks, then up to {@link #WARM_NANOS} spinning for the next run a
         * caller hands off (decoding starts one every 50-300 µs, and waking a parked thread costs tens of
         * µs on a virtual machine), taking runs as long as they keep coming.
         */
        private void helpAndStayWarm() {
            SharedRun r = this;
            while (r != null) {
                SharedRun run = r;
                runAsChunk(() -> run.take(true));   // nested calls stay serial even if the pool was replaced meanwhile
                WARM.incrementAndGet();
                SharedRun next = null;
                long until = System.nanoTime() + WARM_NANOS;
                // A forRange's chunks wait in the pool's queue for this very thread: stop spinning when one comes.
                while ((next = HANDOFF.getAndSet(null)) == null && System.nanoTime() < until && RANGES_WAITING.get() == 0)
                    Thread.onSpinWait();
                WARM.decrementAndGet();
                // a run handed off just as the spin ended is still taken here
                r = next != null ? next : HANDOFF.getAndSet(null);
            }
        }

        /** Computes chunks taken one at a time from the top (a helper) or the bottom (the caller) until none is left; returns how many. */
        private int take(boolean fromTop) {
            int n = 0;
            for (int c; (c = next(fromTop)) >= 0; n++) {
                takenAt.set(c, System.nanoTime());
                chunk(c);
            }
            return n;
        }

        private int next(boolean fromTop) {
            while (true) {
                long now = untaken.get();
                int low = (int) now, high = (int) (now >>> 32);
                if (low >= high) return -1;
                long after = fromTop ? ((long) (high - 1) << 32) | low : ((long) high << 32) | (low + 1);
                if (untaken.compareAndSet(now, after)) return fromTop ? high - 1 : low;
            }
        }

        private void chunk(int c) {
            Runnable publish = task.compute(c);
            if (state.compareAndSet(c, OPEN, PUBLISHING)) {
                publish.run();
                state.set(c, DONE);
            }
        }
    }

    /** Start of chunk i when n items are split into c near-equal chunks. */
    public static int bound(int n, int c, int i) {
        return (int) ((long) n * i / c);
    }
}
