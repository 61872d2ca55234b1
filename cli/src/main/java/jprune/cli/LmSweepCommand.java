package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.lm.prune.PruneMethod;
import jprune.lm.prune.SparsityPattern;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune lm sweep}: {@code lm prune} for every method and target, and their perplexities side by side. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs 'lm prune' for every --methods × --targets pair on one model, calibration set and evaluation text,",
                "each into OUT/METHOD-TARGET (a full lm prune output: checkpoint, metrics.json, report.html, recipe.json), the",
                "dense model evaluated once. Writes OUT/metrics.json (dense_perplexity and every run's method, pattern,",
                "sparsity, perplexity, prune_seconds) and OUT/report.html (perplexity by method and sparsity)."})
final class LmSweepCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face checkpoint directory with tokenizer files.")
    Path model;

    @Option(names = "--methods", paramLabel = "LIST", defaultValue = "magnitude,wanda,sparsegpt", split = ",",
            description = "Methods, comma-separated. Default: ${DEFAULT-VALUE}.")
    List<String> methods;

    @Option(names = "--targets", paramLabel = "LIST", defaultValue = "0.5,2:4,4:8", split = ",",
            description = "Unstructured sparsities in (0, 1) and N:M patterns, comma-separated. Default: ${DEFAULT-VALUE}.")
    List<String> targets;

    @Option(names = "--calib", required = true, paramLabel = "SOURCE", description = "Calibration data, as for lm prune.")
    String calib;

    @Option(names = "--nsamples", paramLabel = "N", description = "Calibration samples (lm prune's default when not given).")
    Integer nsamples;

    @Option(names = "--seqlen", paramLabel = "L", description = "Tokens per calibration sample (lm prune's default when not given).")
    Integer seqlen;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the calibration windows. Default: 0.")
    Long seed;

    @Option(names = "--eval", required = true, paramLabel = "SOURCE", description = "Evaluation text (a file or brown:test).")
    String eval;

    @Option(names = "--eval-seqlen", paramLabel = "L", description = "Window of --eval (lm prune's default when not given).")
    Integer evalSeqlen;

    @Option(names = "--eval-limit-tokens", paramLabel = "N", description = "Evaluate only the first N tokens of --eval (0 = all).")
    Long evalLimit;

    @Option(names = "--brown", paramLabel = "DIR", description = "Where the Brown corpus is (default: $JPRUNE_BROWN, then where bin/setup installs it).")
    Path brown;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory: one subdirectory per run.")
    Path out;

    @Mixin
    ThreadOptions common;

    /** One run's identity: its method, its target as given and parsed, and its directory name. */
    private record Run(PruneMethod method, String target, SparsityPattern pattern, String dir) {}

    /** What each run would otherwise find out for itself, after the runs before it had taken their minutes. */
    private void checkBeforeTheRuns() throws java.io.IOException {
        try (jprune.lm.hf.HfCheckpoint ck = LmModels.open(model)) {
            int context = jprune.lm.model.DecoderModel.open(ck).config().maxPositions();
            if (seqlen != null && (seqlen < 2 || seqlen > context))
                throw new UsageException("--seqlen must be in [2, " + context + "] (the model's context), got " + seqlen);
            if (evalSeqlen != null && (evalSeqlen < 2 || evalSeqlen > context))
                throw new UsageException("--eval-seqlen must be in [2, " + context + "] (the model's context), got " + evalSeqlen);
        }
        LmPruneCommand.checkSampleCount(nsamples);
        if (evalLimit != null && evalLimit < 0) throw new UsageException("--eval-limit-tokens must be >= 0, got " + evalLimit);
        LmText.checkSource(calib, "--calib");
        LmText.checkSource(eval, "--eval");
    }

    @Override
    public Integer call() throws Exception {
        common.apply();
        List<Run> runs = new ArrayList<>();
        for (String m : methods) {
            PruneMethod method;
            try {
                method = PruneMethod.parse(m.trim());
            } catch (IllegalArgumentException e) {
                throw new UsageException("--methods: " + e.getMessage());
            }
            for (String t : targets) {
                String target = t.trim();
                SparsityPattern p;
                try {
                    p = target.contains(":") ? SparsityPattern.parse(target) : SparsityPattern.unstructured(Double.parseDouble(target));
                } catch (NumberFormatException e) {
                    throw new UsageException("--targets: '" + target + "' is neither a sparsity nor an N:M pattern");
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--targets: " + e.getMessage());
                }
                runs.add(new Run(method, target, p, method.cliName() + "-" + target.replace(':', '-')));
            }
        }
        if (runs.isEmpty()) throw new UsageException("--methods and --targets must name at least one run");
        checkBeforeTheRuns();
        Files.createDirectories(out);
        List<Map<String, Object>> results = new ArrayList<>();
        Double dense = null;
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            List<String> args = new ArrayList<>(List.of("lm", "prune", "--model", model.toString(), "--method", r.method().cliName(),
                    r.pattern().isNofM() ? "--pattern" : "--sparsity", r.target(), "--eval", eval, "--out", out.resolve(r.dir()).toString(),
                    "--threads", String.valueOf(jprune.tensor.Parallel.threads())));
            if (r.method().needsCalibration()) args.addAll(List.of("--calib", calib));
            if (i > 0) args.add("--no-eval-dense");   // the first run measures the dense model
            optional(args, "--nsamples", nsamples);
            optional(args, "--seqlen", seqlen);
            optional(args, "--seed", seed);
            optional(args, "--eval-seqlen", evalSeqlen);
            optional(args, "--eval-limit-tokens", evalLimit);
            optional(args, "--brown", brown);
            System.err.printf(Locale.ROOT, "lm sweep: run %d of %d: %s %s%n", i + 1, runs.size(), r.method().cliName(), r.target());
            int code = Main.run(args.toArray(String[]::new));
            if (code != 0) {
                System.err.printf(Locale.ROOT, "lm sweep: %s %s failed (exit %d); runs done so far are in %s%n", r.method().cliName(), r.target(), code, out);
                return code;
            }
            Map<String, Object> m = Json.parseObject(Files.readString(out.resolve(r.dir()).resolve("metrics.json")));
            if (i == 0) dense = ((Number) m.get("dense_perplexity")).doubleValue();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("method", r.method().cliName());
            row.put("target", r.target());
            row.put("pattern", m.get("pattern"));
            row.put("target_sparsity", m.get("target_sparsity"));
            row.put("sparsity", m.get("sparsity"));
            row.put("perplexity", m.get("perplexity"));
            row.put("perplexity_change", ((Number) m.get("perplexity")).doubleValue() / dense - 1);
            row.put("prune_seconds", m.get("prune_seconds"));
            row.put("dir", r.dir());
            results.add(row);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("model", model.toString());
        metrics.put("calib", calib);
        metrics.put("eval", eval);
        metrics.put("dense_perplexity", dense);
        metrics.put("runs", results);
        AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(metrics, true));
        LmSweepReport.write(out.resolve("report.html"), Json.parseObject(Json.write(metrics, false)), methodNames(runs), targetNames());
        System.out.printf(Locale.ROOT, "lm sweep: %d runs, dense perplexity %.3f; %s and %s%n", results.size(), dense,
                out.resolve("metrics.json"), out.resolve("report.html"));
        for (Map<String, Object> row : results)
            System.out.printf(Locale.ROOT, "  %-10s %-5s perplexity %.3f (%+.1f%%)%n", row.get("method"), row.get("target"),
                    ((Number) row.get("perplexity")).doubleValue(), 100 * (double) row.get("perplexity_change"));
        return 0;
    }

    private List<String> methodNames(List<Run> runs) {
        List<String> names = new ArrayList<>();
        for (Run r : runs) if (!names.contains(r.method().cliName())) names.add(r.method().cliName());
        return names;
    }

    private List<String> targetNames() {
        List<String> names = new ArrayList<>();
        for (String t : targets) if (!names.contains(t.trim())) names.add(t.trim());
        return names;
    }

    private static void optional(List<String> args, String flag, Object value) {
        if (value != null) {
            args.add(flag);
            args.add(value.toString());
        }
    }
}
