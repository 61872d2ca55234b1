package jprune.prune;

import jprune.nn.Module;
import jprune.nn.data.DataSplit;
import jprune.nn.infer.InferencePlan;
import jprune.tensor.Tensor;

/**
 * Measured inference speed of a model as deployed: compiled into an {@link InferencePlan} (what a
 * user runs it with), median latency of single-image requests and throughput at batch 64, after a
 * warm-up.
 */
public record InferenceTiming(double latencyMsBatch1, double throughputBatch64) {
    public static InferenceTiming measure(Module model, DataSplit data) {
        InferencePlan plan = InferencePlan.compile(model, data.channels(), data.height(), data.width());
        Tensor one = slice(data, 0, 1), batch = slice(data, 0, Math.min(64, data.count()));
        float[] x1 = one.data(), xb = batch.data(), y = new float[batch.size(0) * plan.outputSize()];
        int nb = batch.size(0);
        // Warm up by time, not count: the JIT must have compiled every kernel on both paths.
        long warm = System.nanoTime();
        while (System.nanoTime() - warm < 1_500_000_000L) {
            for (int i = 0; i < 50; i++) plan.run(x1, 1, y);
            plan.run(xb, nb, y);
        }
        double[] single = new double[301];
        for (int i = 0; i < single.length; i++) {
            long t = System.nanoTime();
            plan.run(x1, 1, y);
            single[i] = (System.nanoTime() - t) / 1e6;
        }
        java.util.Arrays.sort(single);
        // Throughput: the median of 7 trials of at least 0.2 s each.
        double[] rates = new double[7];
        for (int trial = 0; trial < rates.length; trial++) {
            long t = System.nanoTime();
            int reps = 0;
            while (System.nanoTime() - t < 200_000_000L) {
                plan.run(xb, nb, y);
                reps++;
            }
            rates[trial] = reps * batch.size(0) / ((System.nanoTime() - t) / 1e9);
        }
        java.util.Arrays.sort(rates);
        return new InferenceTiming(single[single.length / 2], rates[rates.length / 2]);
    }

    private static Tensor slice(DataSplit d, int from, int to) {
        int sz = d.imageSize();
        float[] x = java.util.Arrays.copyOfRange(d.images(), from * sz, to * sz);
        return Tensor.of(x, to - from, d.channels(), d.height(), d.width());
    }

    /** The better of two measurements of the same model (the first may have run before the JIT finished). */
    public InferenceTiming best(InferenceTiming other) {
        return new InferenceTiming(Math.min(latencyMsBatch1, other.latencyMsBatch1), Math.max(throughputBatch64, other.throughputBatch64));
    }

    public java.util.Map<String, Object> toMap() {
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("latency_ms_batch1", latencyMsBatch1);
        m.put("throughput_batch64", throughputBatch64);
        return m;
    }
}
