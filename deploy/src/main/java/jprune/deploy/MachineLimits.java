package jprune.deploy;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import jprune.tensor.Parallel;

/**
 * The two ceilings of a roofline, measured here and now: peak single-precision FMA throughput (a
 * register-only loop: twelve independent accumulators per thread, enough to cover the FMA latency
 * on two pipes, no memory traffic) and streaming read bandwidth (a sum over an array far larger than
 * the last-level cache, every thread reading its own contiguous share). Both run on all kernel threads.
 */
public record MachineLimits(double peakGflops, double bandwidthGBs, int threads) {
    /**
     * The hardware's own widest vectors, not {@link jprune.tensor.VectorPolicy}'s: this measures the
     * machine's ceiling. Its lane sums (reduceLanes, in any order) only keep results alive.
     */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Read-bandwidth array: 512 MiB, sixteen times the 32 MiB last-level cache of the machines we target. */
    static final int STREAM_FLOATS = 128 << 20;

    public static MachineLimits measure() {
        return new MachineLimits(measurePeakGflops(), measureBandwidthGBs(STREAM_FLOATS), Parallel.threads());
    }

    static double measurePeakGflops() {
        double best = 0;
        for (int trial = 0; trial < 5; trial++) {
            long iterations = trial == 0 ? 2_000_000L : 10_000_000L;   // the first, short trial only warms up the JIT
            int chunks = Parallel.chunks(Parallel.threads());
            float[] sink = new float[chunks];
            long t0 = System.nanoTime();
            Parallel.forRange(chunks, 1, (chunk, from, to) -> sink[chunk] = fmaLoop(iterations));
            double secs = (System.nanoTime() - t0) / 1e9;
            double flops = 2.0 * 12 * S.length() * iterations * chunks;
            if (trial > 0) best = Math.max(best, flops / secs / 1e9);
            if (sink[0] == 42f) System.out.print("");   // keeps the result alive
        }
        return best;
    }

    private static float fmaLoop(long n) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f), b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, 1f), c1 = c0.add(1), c2 = c0.add(2), c3 = c0.add(3), c4 = c0.add(4), c5 = c0.add(5);
        FloatVector c6 = c0.add(6), c7 = c0.add(7), c8 = c0.add(8), c9 = c0.add(9), c10 = c0.add(10), c11 = c0.add(11);
        for (long i = 0; i < n; i++) {
            c0 = c0.fma(a, b); c1 = c1.fma(a, b); c2 = c2.fma(a, b); c3 = c3.fma(a, b);
            c4 = c4.fma(a, b); c5 = c5.fma(a, b); c6 = c6.fma(a, b); c7 = c7.fma(a, b);
            c8 = c8.fma(a, b); c9 = c9.fma(a, b); c10 = c10.fma(a, b); c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }

    /**
     * A streaming read of {@link #STREAM_FLOATS} floats that can be timed again and again, for
     * measurements interleaved with the work they bound (one pass per round).
     */
    public static final class BandwidthProbe {
        private final float[] big;

        public BandwidthProbe() {
            this(STREAM_FLOATS);
        }

        BandwidthProbe(int floats) {
            big = new float[floats];
            Arrays.fill(big, 1f);
        }

        /** One pass over the array, in GB/s (10^9 bytes). */
        public double pass() {
            int floats = big.length;
            int chunks = Parallel.chunks(Parallel.threads());
            float[] sums = new float[chunks];
            long t0 = System.nanoTime();
            Parallel.forRange(chunks, 1, (chunk, from, to) -> {
                int lo = Parallel.bound(floats, chunks, chunk), hi = Parallel.bound(floats, chunks, chunk + 1);
                sums[chunk] = sum(big, lo, hi);
            });
            double secs = (System.nanoTime() - t0) / 1e9;
            if (sums[0] == 42f) System.out.print("");   // keeps the result alive
            return 4.0 * floats / secs / 1e9;
        }
    }

    /** Best of several passes of a vectorised sum over floats floats, in GB/s (10^9 bytes). */
    static double measureBandwidthGBs(int floats) {
        BandwidthProbe probe = new BandwidthProbe(floats);
        double best = 0;
        for (int pass = 0; pass < 6; pass++) {
            double gbs = probe.pass();
            if (pass > 0) best = Math.max(best, gbs);
        }
        return best;
    }

    /**
     * Sum of a[from, to) read as four streams, the range's quarters in lockstep: more misses in flight
     * than one stream, as a matrix-vector product reading several rows at once has. With one stream a
     * thread, the probe read 19-20 GB/s on a 2-core Intel VM where GPT-2's decoding streamed its
     * weights at 20.6 GB/s, "108% of the ceiling".
     */
    private static float sum(float[] a, int from, int to) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int l = S.length(), q = (to - from) / 4 / l * l;
        int i0 = from, i1 = from + q, i2 = from + 2 * q, i3 = from + 3 * q;
        for (int k = 0; k < q; k += l) {
            s0 = s0.add(FloatVector.fromArray(S, a, i0 + k));
            s1 = s1.add(FloatVector.fromArray(S, a, i1 + k));
            s2 = s2.add(FloatVector.fromArray(S, a, i2 + k));
            s3 = s3.add(FloatVector.fromArray(S, a, i3 + k));
        }
        float s = s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
        for (int i = from + 4 * q; i < to; i++) s += a[i];
        return s;
    }
}
