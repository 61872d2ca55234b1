package jprune.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.io.Json;

/**
 * Metrics shaped like each command's metrics.json, made up (seeded, no training) so reports can be
 * drawn and checked in seconds. Each goes through JSON and back, as a report of a finished run reads it.
 */
final class SyntheticMetrics {
    private SyntheticMetrics() {}

    @SuppressWarnings("unchecked")
    private static Map<String, Object> viaJson(Map<String, Object> m) {
        return (Map<String, Object>) Json.parse(Json.write(m, false));
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static List<Object> layers(double sparsity) {
        List<Object> out = new ArrayList<>();
        int[][] shapes = {{300, 784}, {100, 300}, {10, 100}};
        String[] names = {"fc1.weight", "fc2.weight", "fc3.weight"};
        for (int i = 0; i < shapes.length; i++) {
            int params = shapes[i][0] * shapes[i][1];
            double s = Math.max(0, sparsity - 0.1 * i);
            out.add(map("name", names[i], "shape", List.of(shapes[i][0], shapes[i][1]), "params", params, "nonzero", (long) Math.round(params * (1 - s)),
                    "sparsity", s));
        }
        return out;
    }

    /** A gradual (agp) prune of lenet-300-100 to 90% over 12 epochs, with spreads on the timings. */
    static Map<String, Object> pruneAgp() {
        List<Object> rounds = new ArrayList<>();
        for (int r = 1; r <= 12; r++) {
            double t = Math.min(1, r / 8.0), s = 0.9 * (1 - Math.pow(1 - t, 3));
            // Gradual pruning happens during fine-tuning: there is no accuracy "just after pruning" (NaN, written as null).
            rounds.add(map("round", r, "sparsity", s, "test_accuracy_before_finetune", null, "test_accuracy", 0.8921 + 0.0005 * r, "seconds", 1.2));
        }
        Map<String, Object> dense = map("latency_ms_batch1", 0.0370, "latency_ms_batch1_spread", List.of(0.0351, 0.0402), "throughput_batch64", 187000.0,
                "throughput_batch64_spread", List.of(181000.0, 190500.0));
        Map<String, Object> pruned = map("latency_ms_batch1", 0.0357, "latency_ms_batch1_spread", List.of(0.0344, 0.0371), "throughput_batch64", 189000.0,
                "throughput_batch64_spread", List.of(185000.0, 192000.0), "speedup_batch1", 1.04, "speedup_batch1_spread", List.of(0.97, 1.09));
        return viaJson(map("model", "lenet-300-100", "dataset", "fashion-mnist", "criterion", "magnitude", "granularity", "unstructured", "scope", "global",
                "schedule", "agp", "target_sparsity", 0.9, "sparsity", 0.9, "dense_test_accuracy", 0.8998, "test_accuracy", 0.8972, "accuracy_drop_points", 0.26,
                "params_total", 266610, "params_nonzero", 26874, "params_total_dense", 266610, "prunable_total", 266200, "prunable_nonzero", 26620,
                "prune_seconds", 15.2, "layers", layers(0.9), "inference", map("dense", dense, "pruned", pruned), "rounds", rounds,
                "recipe", map("sparsity", 0.9, "schedule", "agp", "agp", map("initial_sparsity", 0.0, "start_step", 0, "prune_steps", 3752, "frequency", 46))));
    }

    /** A one-shot channel prune of lenet-5 (compacted), without any spread on the timings. */
    static Map<String, Object> pruneChannels() {
        return viaJson(map("model", "lenet-5", "criterion", "magnitude", "granularity", "channels", "scope", "layer", "schedule", "oneshot",
                "target_sparsity", 0.5, "sparsity", 0.0, "dense_test_accuracy", 0.9087, "test_accuracy", 0.8983, "accuracy_drop_points", 1.04,
                "params_total", 15000, "params_nonzero", 15000, "params_total_dense", 61706, "compacted", true,
                "channels", List.of(map("name", "conv1", "before", 6, "after", 3), map("name", "conv2", "before", 16, "after", 8)),
                "layers", layers(0.0), "inference", map("dense", map("latency_ms_batch1", 0.078, "throughput_batch64", 23800.0),
                        "pruned", map("latency_ms_batch1", 0.042, "throughput_batch64", 50200.0)),
                "rounds", List.of(map("round", 1, "sparsity", 0.5, "test_accuracy_before_finetune", 0.62, "test_accuracy", 0.8983, "seconds", 9.1)),
                "recipe", map("sparsity", 0.5, "schedule", "oneshot")));
    }

    /** What compress writes for the agp model (int8). */
    static Map<String, Object> compressed() {
        return viaJson(map("quantize", "int8", "entropy", true, "dense_bytes", 1067144, "compressed_bytes", 25657, "compression_ratio", 41.6,
                "dense_test_accuracy", 0.8972, "test_accuracy", 0.8969, "inference", map("dense", map("latency_ms_batch1", 0.035, "throughput_batch64", 186000.0),
                        "compressed", map("latency_ms_batch1", 0.016, "throughput_batch64", 167000.0))));
    }

    static Map<String, Object> sweep() {
        List<Object> points = new ArrayList<>();
        String[] criteria = {"magnitude", "random", "taylor", "obd"};
        double[] sparsities = {0.5, 0.8, 0.9, 0.95, 0.98};
        for (int c = 0; c < criteria.length; c++) {
            for (double s : sparsities) {
                double penalty = (c == 1 ? 0.5 : 0.05 * c + 0.02) * Math.pow(s, 6);
                points.add(map("criterion", criteria[c], "sparsity", s, "achieved_sparsity", s, "test_accuracy_no_finetune", Math.max(0.1, 0.9 - 3 * penalty - 0.3 * s * s),
                        "test_accuracy", 0.899 - penalty, "seconds", 5.0));
            }
        }
        return viaJson(map("model", "lenet-300-100", "dataset", "fashion-mnist", "schedule", "oneshot", "scope", "global", "finetune_epochs", 3,
                "dense_test_accuracy", 0.8998, "points", points));
    }

    static Map<String, Object> lottery() {
        List<Object> rounds = new ArrayList<>();
        for (int r = 1; r <= 12; r++) {
            double d = Math.pow(0.8, r);
            Map<String, Object> e = map("round", r, "density", d, "sparsity", 1 - d, "test_accuracy", 0.8965 + 0.0002 * r, "reinit_test_accuracy", 0.8965 - 0.001 * r,
                    "random_mask_test_accuracy", 0.8965 - 0.0017 * r, "seconds", 20.0);
            e.put("layer_density", map("fc1.weight", d, "fc2.weight", d, "fc3.weight", Math.pow(0.9, r)));
            e.put("early_stop_test_accuracy", 0.8950 + 0.0003 * r);
            e.put("reinit_early_stop_test_accuracy", 0.8950 - 0.0012 * r);
            e.put("random_mask_early_stop_test_accuracy", 0.8950 - 0.0018 * r);
            e.put("early_stop_iteration", 7000 - 100 * r);
            e.put("reinit_early_stop_iteration", 7000 + 100 * r);
            e.put("random_mask_early_stop_iteration", 7000 + 150 * r);
            rounds.add(e);
        }
        Map<String, Object> m = map("model", "lenet-300-100", "dataset", "fashion-mnist", "rate", 0.2, "output_rate", 0.1, "scope", "layer", "init", "glorot-normal",
                "rewind", "iter:500", "epochs", 10, "validation_images", 5000, "eval_every", 100, "seed", 0, "dense_test_accuracy", 0.8965);
        m.put("dense_early_stop_test_accuracy", 0.8950);
        m.put("dense_early_stop_iteration", 7100);
        m.put("rounds", rounds);
        return viaJson(m);
    }

    static Map<String, Object> inspect() {
        return viaJson(map("model", "lenet-300-100", "checkpoint", "runs/p90/model.safetensors", "file_bytes", 1067144, "params_total", 266610,
                "prunable_total", 266200, "prunable_nonzero", 26620, "sparsity", 0.9, "layers", layers(0.9)));
    }

    /** bench sparse on 4096² (warm and streaming) and one reference layer, with made-up but plausible figures. */
    static Map<String, Object> benchSparse() {
        List<Object> results = new ArrayList<>();
        List<Object> shapes = List.of(List.of("4096x4096", 4096, 4096, "streaming"), List.of("4096x4096", 4096, 4096, "warm"),
                List.of("lenet-300-100:fc1.weight", 300, 784, "warm"));
        for (Object o : shapes) {
            List<?> sh = (List<?>) o;
            String layer = (String) sh.get(0), mode = (String) sh.get(3);
            int rows = (Integer) sh.get(1), cols = (Integer) sh.get(2);
            for (int batch : new int[] {1, 64}) {
                double denseUs = rows * (double) cols * batch / (batch == 1 ? 8e3 : 1e5);
                results.add(result(layer, rows, cols, 1.0, "dense", batch, mode, denseUs, 1.0));
                for (double d : new double[] {0.5, 0.3, 0.2, 0.1, 0.05, 0.02}) {
                    double csr = 0.55 / d * (batch == 1 ? 0.9 : 0.85), bitmask = 0.35 / Math.sqrt(d), block = 0.6 / d;
                    results.add(result(layer, rows, cols, d, "csr", batch, mode, denseUs / csr, csr));
                    results.add(result(layer, rows, cols, d, "bitmask", batch, mode, denseUs / bitmask, bitmask));
                    results.add(result(layer, rows, cols, d, "block4x4", batch, mode, denseUs / block, block));
                }
                results.add(result(layer, rows, cols, 0.5, "2:4", batch, mode, denseUs / 1.59, batch == 1 ? 1.59 : 0.91));
                results.add(result(layer, rows, cols, 0.25, "1:4", batch, mode, denseUs / 2.4, batch == 1 ? 2.4 : 1.3));
            }
        }
        List<Object> crossovers = List.of(map("layer", "4096x4096", "rows", 4096, "cols", 4096, "batch", 1, "mode", "streaming", "crossover_density", 0.5,
                "best_format", "2:4"), map("layer", "lenet-300-100:fc1.weight", "rows", 300, "cols", 784, "batch", 64, "mode", "warm", "crossover_density", null,
                "best_format", null));
        List<Object> steadiness = List.of(map("layer", "4096x4096", "batch", 1, "mode", "streaming", "points", 20, "dense_us_min", 1283.0,
                "dense_us_max", 2192.0, "dense_moved", 0.708), map("layer", "4096x4096", "batch", 64, "mode", "streaming", "points", 20,
                "dense_us_min", 10600.0, "dense_us_max", 11500.0, "dense_moved", 0.085));
        List<Object> scaling = List.of(map("layer", "4096x4096", "format", "dense", "density", 1.0, "batch", 1, "mode", "streaming", "threads", 2,
                "us_one_thread", 2747.0, "us", 1533.0, "speedup", 1.84, "speedup_min", 0.35, "speedup_max", 6.32),
                map("layer", "4096x4096", "format", "csr", "density", 0.1, "batch", 1, "mode", "streaming", "threads", 2,
                "us_one_thread", 710.0, "us", 690.0, "speedup", 1.04, "speedup_min", 0.55, "speedup_max", 2.1));
        return viaJson(map("int8", false, "peak_gflops", 469.0, "bandwidth_gbs", 34.7, "threads", 2, "results", results, "crossovers", crossovers,
                "steadiness", steadiness, "thread_scaling", scaling));
    }

    private static Map<String, Object> result(String layer, int rows, int cols, double density, String format, int batch, String mode, double us, double speedup) {
        double flops = 2.0 * rows * cols * density * batch;
        long bytes = (long) (rows * (double) cols * density * (format.equals("dense") ? 4 : 6));
        double moved = bytes + 4.0 * (rows + cols) * batch;
        return map("layer", layer, "rows", rows, "cols", cols, "density", density, "format", format, "batch", batch, "mode", mode, "us", us,
                "dense_us", us * speedup, "gflops", flops / us / 1e3, "speedup", speedup, "bytes", bytes, "flops_per_byte", flops / moved);
    }

    /** Weight values with a seeded bell shape; a fraction of them zero. */
    static float[] weights(int n, double zeroFraction, long seed) {
        java.util.Random rng = new java.util.Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = rng.nextDouble() < zeroFraction ? 0f : (float) (rng.nextGaussian() * 0.05);
        return w;
    }
}
