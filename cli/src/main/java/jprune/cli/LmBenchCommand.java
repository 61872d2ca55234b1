package jprune.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.deploy.MachineLimits;
import jprune.lm.eval.DecodeBench;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.LmConfig;
import jprune.lm.model.Projection;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.tensor.GemmTiming;
import jprune.tensor.Parallel;
import jprune.tensor.Timing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune lm bench}: prefill and decode speed beside the machine's bandwidth and GEMM limits. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prefill tokens/s (a prompt of random token ids) and decode tokens/s (batch 1, KV cache, full logits",
                "every step), each the median of --repeats runs with min and max, beside the ceilings: decoding reads every",
                "weight once per token, so its ceiling is measured bandwidth ÷ weight bytes per token; prefill is compared",
                "with jprune's own fp32 GEMM at --gemm-size. Both ceilings are measured between the rounds, and the fractions",
                "are medians of per-round ratios. Decode is also timed over the transformer blocks alone (without the head).",
                "--compare DIR measures a second model (e.g. the dense one a compressed model came from) in the same interleaved",
                "rounds and reports the speedups as medians of per-round ratios with min and max. Writes DIR/metrics.json with --out."})
final class LmBenchCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face checkpoint directory.")
    Path model;

    @Option(names = "--prompt-tokens", defaultValue = "512", paramLabel = "N", description = "Prefill length. Default: ${DEFAULT-VALUE}.")
    int promptTokens;

    @Option(names = "--decode-tokens", defaultValue = "32", paramLabel = "N", description = "Tokens decoded per run. Default: ${DEFAULT-VALUE}.")
    int decodeTokens;

    @Option(names = "--repeats", defaultValue = "5", paramLabel = "R", description = "Timed runs (after one warm-up). Default: ${DEFAULT-VALUE}.")
    int repeats;

    @Option(names = "--gemm-size", defaultValue = "1024", paramLabel = "N", description = "Size of the reference GEMM. Default: ${DEFAULT-VALUE}.")
    int gemmSize;

    @Option(names = "--skip-limits", description = "Do not measure bandwidth and GEMM (no ceilings in the output).")
    boolean skipLimits;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random prompt. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--per-layer", description = "Also time one token through each kind of projection, across all blocks, and the head (GB/s of weights read).")
    boolean perLayer;

    @Option(names = "--compare", paramLabel = "DIR", description = "A baseline model measured in the same rounds: speedups of --model over it.")
    Path compare;

    @Option(names = "--out", paramLabel = "DIR", description = "Write DIR/metrics.json.")
    Path out;

    @Mixin
    ThreadOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        if (promptTokens < 1 || decodeTokens < 1 || repeats < 1) throw new UsageException("--prompt-tokens, --decode-tokens and --repeats must be >= 1");
        if (gemmSize < 16 || gemmSize > 8192) throw new UsageException("--gemm-size must be in [16, 8192], got " + gemmSize);
        try (HfCheckpoint ck = LmModels.open(model); HfCheckpoint baseCk = compare == null ? null : LmModels.open(compare, "--compare")) {
            DecoderModel m = DecoderModel.open(ck);
            DecoderModel base = baseCk == null ? null : DecoderModel.open(baseCk);
            if (base != null && base.config().vocabSize() != m.config().vocabSize())
                throw new UsageException("--compare: " + compare + " has a vocabulary of " + base.config().vocabSize() + ", --model " + m.config().vocabSize());
            LmConfig c = m.config();
            if (promptTokens + decodeTokens > c.maxPositions())
                throw new UsageException("--prompt-tokens + --decode-tokens (" + (promptTokens + decodeTokens) + ") exceed the model's context of " + c.maxPositions());
            long blockBytes = 0, blockParams = 0;
            for (Projection p : m.blockProjections()) {
                blockBytes += p.weightBytes();
                blockParams += (long) p.in() * p.out();
            }
            long bytesPerToken = m.bytesPerToken();
            // The ceilings are measured between the model's rounds, so each round's ratio compares work done
            // under the same conditions: on a shared machine a ceiling measured minutes apart means little.
            double[] bandwidth = new double[repeats], gemm = new double[repeats];
            MachineLimits.BandwidthProbe probe = skipLimits ? null : new MachineLimits.BandwidthProbe();
            if (probe != null) probe.pass();
            if (!skipLimits) GemmTiming.measureGflops(gemmSize, Parallel.threads(), 2);
            java.util.List<DecoderModel> models = base == null ? java.util.List.of(m) : java.util.List.of(m, base);
            java.util.List<DecodeBench.Result> results = DecodeBench.run(models, promptTokens, decodeTokens, repeats, seed, skipLimits ? null : round -> {
                // a ceiling is what the machine can do: the best of a few passes in this round
                bandwidth[round] = Math.max(probe.pass(), Math.max(probe.pass(), probe.pass()));
                gemm[round] = GemmTiming.measureGflops(gemmSize, Parallel.threads(), 2);
            });
            DecodeBench.Result r = results.get(0);
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("model", model.toString());
            metrics.put("model_type", c.modelType());
            metrics.put("parameters", c.parameterCount());
            metrics.put("dtype", ck.dtype().name());
            metrics.put("threads", Parallel.threads());
            metrics.put("prompt_tokens", promptTokens);
            metrics.put("decode_tokens", decodeTokens);
            metrics.put("prefill_tokens_per_second", r.prefillTokensPerSecond());
            metrics.put("prefill_tokens_per_second_min", r.prefillSpread()[0]);
            metrics.put("prefill_tokens_per_second_max", r.prefillSpread()[1]);
            metrics.put("decode_tokens_per_second", r.decodeTokensPerSecond());
            metrics.put("decode_tokens_per_second_min", r.decodeSpread()[0]);
            metrics.put("decode_tokens_per_second_max", r.decodeSpread()[1]);
            metrics.put("decode_block_tokens_per_second", r.decodeBlockTokensPerSecond());
            metrics.put("decode_block_tokens_per_second_min", r.decodeBlockSpread()[0]);
            metrics.put("decode_block_tokens_per_second_max", r.decodeBlockSpread()[1]);
            metrics.put("weight_bytes_per_token", bytesPerToken);
            metrics.put("block_weight_bytes", blockBytes);
            double prefillFlops = prefillFlops(c, blockParams, promptTokens);
            metrics.put("prefill_gflops", prefillFlops / 1e9 * r.prefillTokensPerSecond() / promptTokens);
            java.util.Set<String> packed = new java.util.TreeSet<>();
            for (Projection p : m.blockProjections()) if (p.packedWeights() != null) packed.add(p.packedWeights().format());
            System.out.printf(Locale.ROOT, "%s %s, %,d parameters%s, %d threads%n", c.modelType(), ck.dtype(), c.parameterCount(),
                    packed.isEmpty() ? "" : " (dense shapes; block projections stored as " + String.join(", ", packed) + ")", Parallel.threads());
            System.out.printf(Locale.ROOT, "prefill %d tokens: %.1f tokens/s (%.1f–%.1f), %.1f GFLOPS%n", promptTokens, r.prefillTokensPerSecond(),
                    r.prefillSpread()[0], r.prefillSpread()[1], metrics.get("prefill_gflops"));
            System.out.printf(Locale.ROOT, "decode batch 1: %.2f tokens/s (%.2f–%.2f), %.1f MB of weights per token; blocks alone %.2f tokens/s (%.2f–%.2f), %.1f MB%n",
                    r.decodeTokensPerSecond(), r.decodeSpread()[0], r.decodeSpread()[1], bytesPerToken / 1e6, r.decodeBlockTokensPerSecond(),
                    r.decodeBlockSpread()[0], r.decodeBlockSpread()[1], blockBytes / 1e6);
            if (base != null) compared(metrics, r, results.get(1), base);
            if (perLayer) {
                // Each kind of projection timed across all blocks in a row, so the weights come from memory as in
                // decoding, not from a cache that one block's matrix would fit in.
                int perBlock = m.blockProjections().size() / c.layers();
                java.util.List<Map<String, Object>> rows = new java.util.ArrayList<>();
                for (int k = 0; k <= perBlock; k++) {
                    java.util.List<Projection> kind = new java.util.ArrayList<>();
                    if (k < perBlock) for (int l = 0; l < c.layers(); l++) kind.add(m.blockProjections().get(l * perBlock + k));
                    else kind.add(m.head());
                    Projection p0 = kind.get(0);
                    float[] x = new float[p0.in()], y = new float[p0.out()];
                    java.util.Arrays.fill(x, 0.5f);
                    long bytes = 0;
                    for (Projection p : kind) bytes += p.weightBytes();
                    double micros = jprune.tensor.Timing.medianMicros(() -> {
                        for (Projection p : kind) p.forward(x, 1, y);
                    }, 2000);
                    double gbs = bytes / (micros * 1e3);
                    String name = k < perBlock ? p0.name().replaceFirst("\\.0\\.", ".*.") : p0.name();
                    System.out.printf(Locale.ROOT, "  %-40s %5d×%-5d %-7s ×%-3d %9.1f µs %6.1f GB/s%n", name, p0.out(), p0.in(), p0.layout(), kind.size(), micros, gbs);
                    rows.add(Map.of("name", name, "out", p0.out(), "in", p0.in(), "layout", p0.layout().name(), "count", kind.size(), "micros", micros, "gbs", gbs));
                }
                metrics.put("per_layer", rows);
            }
            if (!skipLimits) {
                double[] decodeFraction = new double[repeats], prefillFraction = new double[repeats];
                double flops = prefillFlops(c, blockParams, promptTokens);
                for (int i = 0; i < repeats; i++) {
                    decodeFraction[i] = (decodeTokens / r.decodeSeconds()[i]) / (bandwidth[i] * 1e9 / bytesPerToken);
                    prefillFraction[i] = (flops / r.prefillSeconds()[i] / 1e9) / gemm[i];
                }
                double bw = Timing.median(bandwidth), g = Timing.median(gemm);
                metrics.put("bandwidth_gbs", bw);
                metrics.put("decode_ceiling_tokens_per_second", bw * 1e9 / bytesPerToken);
                putSpread(metrics, "decode_fraction_of_ceiling", decodeFraction);
                metrics.put("gemm_gflops", g);
                putSpread(metrics, "prefill_fraction_of_gemm", prefillFraction);
                System.out.printf(Locale.ROOT, "bandwidth %.1f GB/s → decode ceiling %.2f tokens/s: decode reaches %.0f%% (%.0f–%.0f%%, per round)%n", bw,
                        bw * 1e9 / bytesPerToken, 100 * Timing.median(decodeFraction), 100 * min(decodeFraction), 100 * max(decodeFraction));
                if (max(decodeFraction) > 1)
                    System.out.printf(Locale.ROOT, "note: decode beat the memory ceiling in some rounds: %.1f MB of weights a token stay in the caches between"
                            + " tokens, so memory bandwidth does not bound this model's decoding%n", bytesPerToken / 1e6);
                System.out.printf(Locale.ROOT, "GEMM %d³: %.1f GFLOPS: prefill reaches %.0f%% (%.0f–%.0f%%, per round)%n", gemmSize, g,
                        100 * Timing.median(prefillFraction), 100 * min(prefillFraction), 100 * max(prefillFraction));
            }
            if (out != null) AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(metrics, true));
        }
        return 0;
    }

    /** The baseline's figures and the per-round speedups of the model over it. */
    private void compared(Map<String, Object> metrics, DecodeBench.Result r, DecodeBench.Result b, DecoderModel base) {
        int n = r.decodeSeconds().length;
        double[] blocks = new double[n], whole = new double[n], prefill = new double[n];
        for (int i = 0; i < n; i++) {
            blocks[i] = b.decodeBlockSeconds()[i] / r.decodeBlockSeconds()[i];
            whole[i] = b.decodeSeconds()[i] / r.decodeSeconds()[i];
            prefill[i] = b.prefillSeconds()[i] / r.prefillSeconds()[i];
        }
        long baseBlockBytes = 0;
        for (Projection p : base.blockProjections()) baseBlockBytes += p.weightBytes();
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("model", compare.toString());
        cm.put("prefill_tokens_per_second", b.prefillTokensPerSecond());
        cm.put("decode_tokens_per_second", b.decodeTokensPerSecond());
        cm.put("decode_block_tokens_per_second", b.decodeBlockTokensPerSecond());
        cm.put("weight_bytes_per_token", base.bytesPerToken());
        cm.put("block_weight_bytes", baseBlockBytes);
        metrics.put("compare", cm);
        putSpread(metrics, "decode_block_speedup", blocks);
        putSpread(metrics, "decode_speedup", whole);
        putSpread(metrics, "prefill_speedup", prefill);
        System.out.printf(Locale.ROOT, "baseline %s: decode %.2f tokens/s, blocks alone %.2f tokens/s (%.1f MB), prefill %.1f tokens/s%n", compare,
                b.decodeTokensPerSecond(), b.decodeBlockTokensPerSecond(), baseBlockBytes / 1e6, b.prefillTokensPerSecond());
        System.out.printf(Locale.ROOT, "speedup over the baseline (median of %d interleaved rounds, min–max): blocks %.2fx (%.2f–%.2f), decode %.2fx (%.2f–%.2f), prefill %.2fx (%.2f–%.2f)%n",
                n, Timing.median(blocks), min(blocks), max(blocks), Timing.median(whole), min(whole), max(whole), Timing.median(prefill), min(prefill), max(prefill));
        java.util.List<String> split = new java.util.ArrayList<>();
        if (ratio(blocks).disagreesWith(r.decodeBlockTokensPerSecond() / b.decodeBlockTokensPerSecond())) split.add("blocks");
        if (ratio(whole).disagreesWith(r.decodeTokensPerSecond() / b.decodeTokensPerSecond())) split.add("decode");
        if (ratio(prefill).disagreesWith(r.prefillTokensPerSecond() / b.prefillTokensPerSecond())) split.add("prefill");
        if (!split.isEmpty()) System.out.println(BenchModelCommand.disagreementNote("for " + String.join(", ", split)) + " (with more --repeats)");
    }

    private static Timing.Ratio ratio(double[] perRound) {
        return new Timing.Ratio(Timing.median(perRound), min(perRound), max(perRound));
    }

    private static void putSpread(Map<String, Object> metrics, String key, double[] v) {
        metrics.put(key, Timing.median(v));
        metrics.put(key + "_min", min(v));
        metrics.put(key + "_max", max(v));
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(Double.NaN);
    }

    /** Multiply-adds ×2 of a prefill: every block matrix per token, causal attention, the head once (last position). */
    static double prefillFlops(LmConfig c, long blockParams, int t) {
        long heads = 0;
        for (int l = 0; l < c.layers(); l++) heads += c.heads(l);
        double attention = 2.0 * 2 * heads * c.headDim() * (t * (t + 1) / 2.0);
        return 2.0 * blockParams * t + attention + 2.0 * c.vocabSize() * c.hiddenSize();
    }
}
