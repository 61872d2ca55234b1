package jprune.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** {@link Parallel#share}: every chunk published exactly once, and a stalled helper does not hold the caller. */
class ParallelShareTest {

    @Test
    void everyChunkIsPublishedOnceWithTheSameResult() {
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                for (int round = 0; round < 50; round++) {
                    int chunks = 1 + round % 9;
                    float[] y = new float[chunks * 5];
                    AtomicIntegerArray published = new AtomicIntegerArray(chunks);
                    Parallel.share(chunks, c -> {
                        float[] mine = new float[5];
                        for (int i = 0; i < 5; i++) mine[i] = c * 10 + i;
                        return () -> {
                            published.incrementAndGet(c);
                            System.arraycopy(mine, 0, y, c * 5, 5);
                        };
                    });
                    float[] expected = new float[chunks * 5];
                    for (int c = 0; c < chunks; c++) for (int i = 0; i < 5; i++) expected[c * 5 + i] = c * 10 + i;
                    assertArrayEquals(expected, y);
                    for (int c = 0; c < chunks; c++) assertEquals(1, published.get(c), "chunk " + c);
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * The caller takes chunks from the bottom and helpers from the top, so that with two threads each
     * keeps computing the same chunks from call to call: a helper's chunks are always a run at the top.
     */
    @Test
    void helpersTakeChunksFromTheTop() {
        int before = Parallel.threads();
        Parallel.setThreads(2);
        try {
            Thread caller = Thread.currentThread();
            for (int round = 0; round < 200; round++) {
                int chunks = 2 + round % 7;
                java.util.concurrent.atomic.AtomicIntegerArray byHelper = new java.util.concurrent.atomic.AtomicIntegerArray(chunks);
                Parallel.share(chunks, c -> {
                    if (Thread.currentThread() != caller) byHelper.set(c, 1);
                    long until = System.nanoTime() + 20_000;
                    while (System.nanoTime() < until) Thread.onSpinWait();
                    return () -> {};
                });
                for (int c = 1; c < chunks; c++)
                    assertTrue(byHelper.get(c - 1) <= byHelper.get(c), "round " + round + ": the helper took chunk " + (c - 1) + " but not " + c);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void theCallerFinishesAChunkAStalledHelperHolds() throws Exception {
        int before = Parallel.threads();
        Parallel.setThreads(2);
        try {
            Thread caller = Thread.currentThread();
            java.util.concurrent.CountDownLatch helperTookOne = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.atomic.AtomicBoolean helperStalled = new java.util.concurrent.atomic.AtomicBoolean();
            float[] y = new float[2];
            long start = System.nanoTime();
            Parallel.share(2, c -> {
                if (Thread.currentThread() == caller) {
                    // hold the caller's first chunk until a pool thread has taken the other one
                    try {
                        helperTookOne.await(1, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                } else {
                    helperStalled.set(true);
                    helperTookOne.countDown();
                    // a helper that another process preempted: it holds its chunk for three seconds
                    try {
                        Thread.sleep(3000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return () -> y[c] = c + 1;
            });
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertArrayEquals(new float[] {1, 2}, y);
            assertTrue(helperStalled.get(), "no pool thread took a chunk: the test did not exercise the stall");
            assertTrue(millis < 2500, "the caller waited " + millis + " ms for a stalled helper");
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** A helper that is late fails only because the caller has moved on: its failure is dropped, the caller's result stands. */
    @Test
    void aLateHelpersFailureIsDropped() throws Exception {
        int before = Parallel.threads();
        Parallel.setThreads(2);
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        java.util.List<Throwable> uncaught = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            Thread caller = Thread.currentThread();
            java.util.concurrent.CountDownLatch helperFailed = new java.util.concurrent.CountDownLatch(1), helperTook = new java.util.concurrent.CountDownLatch(1);
            float[] y = new float[2];
            Parallel.share(2, c -> {
                if (Thread.currentThread() == caller && c == 0) {
                    try {
                        helperTook.await(1, java.util.concurrent.TimeUnit.SECONDS);   // let a pool thread take chunk 1
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (Thread.currentThread() != caller) {
                    helperTook.countDown();
                    try {
                        Thread.sleep(30);   // late: the caller redoes this chunk meanwhile
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    helperFailed.countDown();
                    throw new IllegalStateException("Already closed");
                }
                return () -> y[c] = c + 1;
            });
            assertArrayEquals(new float[] {1, 2}, y);
            assertTrue(helperFailed.await(2, java.util.concurrent.TimeUnit.SECONDS), "a helper ran a chunk");
            Thread.sleep(20);
            assertTrue(uncaught.isEmpty(), "the late helper's failure reached no handler: " + uncaught);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
            Parallel.setThreads(before);
        }
    }
}
