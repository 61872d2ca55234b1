package jprune.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.data.DataSplit;
import jprune.nn.infer.InferencePlan;
import jprune.tensor.Timing;

/**
 * Inference speed of several models measured side by side: each compiled into an
 * {@link InferencePlan}, warmed up, then timed in interleaved rounds (one sample of every model at
 * batch 1, then at batch 64, per round; who goes first rotates), so that load from another process
 * lands on all of them alike. Each model's speedup over the first is the median of its per-round
 * ratios, with their range: two measurements taken minutes apart would instead compare two states
 * of the machine.
 */
public final class InferenceComparison {
    /** Samples at a serving batch. */
    public static final int BATCH = 64;

    /** One model's figures: medians over the rounds and their range. */
    public record Side(String name, double latencyMsBatch1, double latencyMsMin, double latencyMsMax,
                       double throughputBatch64, double throughputMin, double throughputMax,
                       Timing.Ratio speedupBatch1, Timing.Ratio speedupBatch64) {
        /**
         * The metrics map: latency_ms_batch1 and throughput_batch64 (the keys InferenceTiming
         * always wrote) with their _min/_max, and for every model but the first its speedups over it.
         */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("latency_ms_batch1", latencyMsBatch1);
            m.put("latency_ms_batch1_min", latencyMsMin);
            m.put("latency_ms_batch1_max", latencyMsMax);
            m.put("throughput_batch64", throughputBatch64);
            m.put("throughput_batch64_min", throughputMin);
            m.put("throughput_batch64_max", throughputMax);
            if (speedupBatch1 != null) {
                putRatio(m, "speedup_batch1", speedupBatch1);
                putRatio(m, "speedup_batch64", speedupBatch64);
            }
            return m;
        }

        /** As the older single-model timing, for code that only needs the medians. */
        public InferenceTiming timing() {
            return new InferenceTiming(latencyMsBatch1, throughputBatch64);
        }
    }

    /** Longest warm-up of one call shape of one model. */
    static final long WARM_CAP_NANOS = 20_000_000_000L;

    private InferenceComparison() {}

    /** Adds key, key_min and key_max. */
    public static void putRatio(Map<String, Object> m, String key, Timing.Ratio r) {
        m.put(key, r.median());
        m.put(key + "_min", r.min());
        m.put(key + "_max", r.max());
    }

    /**
     * Times every model (name to model, in order; the first is the baseline the others' speedups
     * are taken against) on the first images of data, spending about millisPerModel on each at
     * each batch size after warming up.
     */
    public static List<Side> measure(Map<String, Module> models, DataSplit data, double millisPerModel) {
        if (models.isEmpty()) throw new IllegalArgumentException("no models to time");
        int sz = data.imageSize(), nb = Math.min(BATCH, data.count());
        float[] x1 = java.util.Arrays.copyOfRange(data.images(), 0, sz), xb = java.util.Arrays.copyOfRange(data.images(), 0, nb * sz);
        List<Runnable> single = new ArrayList<>(), batch = new ArrayList<>();
        for (Module model : models.values()) {
            InferencePlan plan = InferencePlan.compile(model, data.channels(), data.height(), data.width());
            float[] y = new float[nb * plan.outputSize()];
            Runnable one = () -> plan.run(x1, 1, y), many = () -> plan.run(xb, nb, y);
            // By calls, with a generous cap: a sparse kernel runs a thousand times slower before C2 has
            // compiled it, and C2 may take seconds to get there (CSR batch 1 on lenet-300-100: ~5 s).
            Timing.warmUntilSteady(one, WARM_CAP_NANOS, 3000);
            Timing.warmUntilSteady(many, WARM_CAP_NANOS, 300);
            single.add(one);
            batch.add(many);
        }
        double[][] t1 = Timing.interleavedSamples(single, millisPerModel), tb = Timing.interleavedSamples(batch, millisPerModel);
        List<Side> out = new ArrayList<>();
        List<String> names = new ArrayList<>(models.keySet());
        for (int i = 0; i < names.size(); i++) {
            double[] lat = scaled(t1[i], 1e-3), thr = new double[tb[i].length];
            for (int r = 0; r < thr.length; r++) thr[r] = nb / (tb[i][r] * 1e-6);
            Timing.Ratio s1 = i == 0 ? null : Timing.Ratio.of(t1[0], t1[i]);
            Timing.Ratio s64 = i == 0 ? null : Timing.Ratio.of(tb[0], tb[i]);
            out.add(new Side(names.get(i), Timing.median(lat), min(lat), max(lat), Timing.median(thr), min(thr), max(thr), s1, s64));
        }
        return out;
    }

    private static double[] scaled(double[] v, double f) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = v[i] * f;
        return r;
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) m = Math.min(m, x);
        return m;
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) m = Math.max(m, x);
        return m;
    }
}
