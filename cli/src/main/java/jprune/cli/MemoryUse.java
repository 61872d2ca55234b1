package jprune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Peak memory of this process: heap in use, sampled while a command runs, and the resident set's high-water mark. */
final class MemoryUse {
    private MemoryUse() {}

    /** Samples the heap in use every few milliseconds on a daemon thread until closed; max() is the largest sample. */
    static final class HeapSampler implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicLong max = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong live = new java.util.concurrent.atomic.AtomicLong();
        private final Thread thread;
        private volatile boolean running = true;

        HeapSampler() {
            thread = new Thread(() -> {
                while (running) {
                    sample();
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void sample() {
            Runtime rt = Runtime.getRuntime();
            max.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
            long afterGc = 0;
            for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
                java.lang.management.MemoryUsage u = pool.getType() == java.lang.management.MemoryType.HEAP ? pool.getCollectionUsage() : null;
                if (u != null) afterGc += u.getUsed();
            }
            live.accumulateAndGet(afterGc, Math::max);
        }

        /** The largest heap occupancy seen right after a collection (what was live then), or 0 before any collection. */
        long maxAfterCollection() {
            sample();
            return live.get();
        }

        /** The largest heap in use seen so far (live objects and garbage not yet collected). */
        long max() {
            sample();
            return max.get();
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
        }
    }

    /** VmHWM from /proc/self/status in bytes, or -1 where there is no such file. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
