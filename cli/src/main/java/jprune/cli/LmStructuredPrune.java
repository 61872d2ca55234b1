package jprune.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.DecoderModel;
import jprune.lm.prune.CalibrationSamples;
import jprune.lm.structured.LmCriterion;
import jprune.lm.structured.LmFinetuner;
import jprune.lm.structured.LmWeights;
import jprune.lm.structured.StructuredLmPruner;
import jprune.lm.tokenizer.Tokenizer;
import jprune.lm.train.LmTrainer;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.prune.Scope;
import jprune.prune.SparsitySchedule;
import jprune.prune.Structure;
import jprune.tensor.Parallel;

/**
 * {@code lm prune --granularity heads|mlp-neurons|blocks|hidden}: structured pruning of a language
 * model, written compacted, optionally fine-tuned, in one shot or in rounds. The command's flags are
 * read from {@link LmPruneCommand}.
 */
final class LmStructuredPrune {
    /** Calibration samples per gradient batch of the taylor and gate criteria. */
    static final int CALIBRATION_BATCH = 8;

    private final LmPruneCommand cmd;

    LmStructuredPrune(LmPruneCommand cmd) {
        this.cmd = cmd;
    }

    int run() throws IOException {
        Structure structure = Structure.byFlag(cmd.granularity);
        if (structure == null || structure == Structure.CHANNELS)
            throw new UsageException("--granularity must be heads, mlp-neurons, blocks or hidden (leave it out for unstructured or N:M pruning), got '"
                    + cmd.granularity + "'");
        if (cmd.method != null || cmd.pattern != null)
            throw new UsageException("--method and --pattern are for unstructured and N:M pruning; with --granularity choose the score with --criterion");
        if (cmd.layers != null || cmd.skip != null || cmd.blocksize != null || cmd.percdamp != null || cmd.recipe != null)
            throw new UsageException("--layers, --skip, --blocksize, --percdamp and --recipe are for unstructured and N:M pruning, not --granularity");
        List<Integer> blockList = cmd.blocksToRemove == null ? null : blockList(cmd.blocksToRemove);
        if (blockList != null && (cmd.sparsity != null || cmd.criterion != null))
            throw new UsageException("--blocks-to-remove names the blocks; leave out --sparsity and --criterion");
        if (blockList == null && cmd.sparsity == null)
            throw new UsageException("--sparsity is required with --granularity: the fraction of "
                    + (structure == Structure.HIDDEN ? "the residual width" : structure.flag()) + " removed, in (0, 1)");
        LmCriterion criterion = blockList != null ? null
                : LmPruneCommand.parse(() -> cmd.criterion == null ? LmCriterion.defaultFor(structure) : LmCriterion.parse(cmd.criterion, structure));
        Scope scope = LmPruneCommand.parse(() -> Scope.parse(cmd.scope == null ? "layer" : cmd.scope));
        if (blockList != null && structure != Structure.BLOCKS) throw new UsageException("--blocks-to-remove needs --granularity blocks");
        int rounds = rounds(cmd.schedule);
        StructuredLmPruner.Settings settings = LmPruneCommand.parse(() -> new StructuredLmPruner.Settings(structure, criterion,
                cmd.sparsity == null ? 0 : cmd.sparsity, scope, blockList, CALIBRATION_BATCH, rounds));
        if (criterion != null && criterion.needsCalibration() && cmd.calib == null)
            throw new UsageException("--calib is required for --criterion " + criterion.flag());
        if (cmd.finetuneSteps < 0) throw new UsageException("--finetune-steps must be >= 0, got " + cmd.finetuneSteps);
        if (cmd.finetuneSteps > 0 && cmd.finetuneText == null && (cmd.calib == null || cmd.calib.endsWith(".json")))
            throw new UsageException("--finetune-steps needs training text: give --finetune-text (file or brown:train), or --calib as text");
        long started = System.nanoTime();
        try (MemoryUse.HeapSampler heap = new MemoryUse.HeapSampler(); HfCheckpoint ck = LmModels.open(cmd.model)) {
            LmWeights dense;
            try {
                dense = LmWeights.read(ck);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--model: " + e.getMessage());
            }
            DecoderModel denseModel = DecoderModel.open(ck);
            int context = dense.config().maxPositions();
            int l = cmd.seqlen != null ? cmd.seqlen : Math.min(context, 2048);
            if (l < 2 || l > context) throw new UsageException("--seqlen must be in [2, " + context + "] (the model's context), got " + l);
            LmFinetuner.Settings ft = cmd.finetuneSteps == 0 ? null : LmPruneCommand.parse(() -> new LmFinetuner.Settings(cmd.finetuneSteps, cmd.finetuneLr,
                    cmd.finetuneBatch, l, cmd.seed != null ? cmd.seed : 0));
            boolean needsTokenizer = (cmd.calib != null && !cmd.calib.endsWith(".json")) || cmd.eval != null || ft != null;
            Tokenizer tok = needsTokenizer ? LmModels.tokenizer(cmd.model, dense.config()) : null;
            CalibrationSamples samples = criterion != null && criterion.needsCalibration() ? cmd.calibration(tok, denseModel, l) : null;
            int[] trainIds = null;
            String trainSource = null;
            if (ft != null) {
                LmText.Loaded t = LmText.source(cmd.finetuneText != null ? cmd.finetuneText : cmd.calib, cmd.brown, cmd.finetuneText != null ? "--finetune-text" : "--calib");
                trainIds = tok.encode(t.text(), false);
                trainSource = t.source();
                if (trainIds.length < l + 1)
                    throw new UsageException("the fine-tuning text " + trainSource + " has " + trainIds.length + " tokens, fewer than one window of --seqlen + 1 = " + (l + 1));
            }
            LmText.Loaded evalText = cmd.eval != null ? LmText.source(cmd.eval, cmd.brown, "--eval") : null;
            int[] evalIds = evalText != null ? tok.encode(evalText.text(), false) : null;
            int el = cmd.evalSeqlen != null ? cmd.evalSeqlen : Math.min(context, 2048);
            Double densePpl = null, prunedPpl = null, finalPpl = null;
            if (evalText != null) {
                if (el < 2 || el > context) throw new UsageException("--eval-seqlen must be in [2, " + context + "], got " + el);
                if (cmd.evalDense) densePpl = cmd.perplexity(denseModel, evalIds, evalText.source(), el, "dense");
            }
            long t0 = System.nanoTime();
            System.out.printf(Locale.ROOT, "scoring and removing %s%s%s%n", structure.flag(), criterion == null ? " " + blockList : " by " + criterion.flag(),
                    rounds > 1 ? " in " + rounds + " rounds" : "");
            List<Map<String, Object>> roundMetrics = new ArrayList<>();
            double[] finetuneSeconds = {0}, betweenRounds = {0};
            int[] trainTokens = trainIds;
            StructuredLmPruner.Result r = LmPruneCommand.parse(() -> StructuredLmPruner.prune(dense, denseModel, samples, settings, (round, pruned) -> {
                long e0 = System.nanoTime();
                try {
                    return afterRound(round, pruned, rounds, roundMetrics, ft, trainTokens, evalText, evalIds, el, finetuneSeconds);
                } finally {
                    betweenRounds[0] += (System.nanoTime() - e0) / 1e9;
                }
            }));
            double pruneSeconds = (System.nanoTime() - t0) / 1e9 - betweenRounds[0];
            LmWeights result = r.compacted();
            result.write(cmd.out, ck.config(), cmd.model);
            if (evalText != null) {
                try (HfCheckpoint written = HfCheckpoint.open(cmd.out)) {
                    finalPpl = cmd.perplexity(DecoderModel.open(written), evalIds, evalText.source(), el, ft != null ? "fine-tuned" : "pruned");
                }
                Map<String, Object> lastRound = roundMetrics.get(roundMetrics.size() - 1);
                if (ft == null) lastRound.put("perplexity_after_prune", finalPpl);
                else lastRound.put("perplexity_after_finetune", finalPpl);
                prunedPpl = (Double) lastRound.get("perplexity_after_prune");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("granularity", structure.flag());
            m.put("criterion", criterion == null ? "explicit" : criterion.flag());
            m.put("scope", blockList != null ? null : scope.name().toLowerCase(Locale.ROOT));
            m.put("schedule", rounds == 1 ? "oneshot" : "iterative:" + rounds);
            m.put("target_sparsity", cmd.sparsity);
            m.put("blocks_to_remove", blockList);
            int groups = 0;
            for (var layer : r.layers()) groups += layer.size();
            m.put("groups_removed", r.removed().size());
            m.put("groups_total", groups);
            m.put("sparsity", r.removed().size() / (double) groups);
            m.put("params_total", result.parameterCount());
            m.put("params_total_dense", dense.parameterCount());
            m.put(structure.metricsKey(), changes(r, structure));
            if (r.scores() != null && structure == Structure.BLOCKS) m.put("block_scores", toList(r.scores().get(0)));
            m.put("nsamples", samples == null ? 0 : samples.samples().size());
            m.put("seqlen", l);
            m.put("calibration_tokens", samples == null ? 0 : samples.tokens());
            m.put("calibration", samples == null ? null : samples.source());
            m.put("rounds", roundMetrics);
            m.put("finetune_steps", cmd.finetuneSteps);
            m.put("finetune_lr", ft == null ? null : ft.lr());
            m.put("finetune_batch", ft == null ? null : ft.batch());
            m.put("finetune_text", trainSource);
            m.put("dense_perplexity", densePpl);
            m.put("perplexity_before_finetune", prunedPpl);
            m.put("perplexity", finalPpl);
            if (evalText != null) {
                m.put("eval", evalText.source());
                m.put("eval_seqlen", el);
                m.put("eval_tokens", cmd.evalTokens(evalIds, el));
            }
            m.put("prune_seconds", pruneSeconds);
            m.put("finetune_seconds", finetuneSeconds[0]);
            m.put("seconds", (System.nanoTime() - started) / 1e9);
            m.put("peak_heap_bytes", heap.max());
            m.put("peak_rss_bytes", MemoryUse.peakRssBytes());
            m.put("threads", Parallel.threads());
            m.put("model", cmd.model.toString());
            m.put("dtype", ck.dtype().name());
            AtomicFiles.writeString(cmd.out.resolve("metrics.json"), Json.write(m, true));
            LmStructuredReport.write(cmd.out.resolve("report.html"), Json.parseObject(Json.write(m, false)));
            if (samples != null) AtomicFiles.writeString(cmd.out.resolve("calibration.json"), samples.toJson() + "\n");
            System.out.printf(Locale.ROOT, "%s: %d of %d %s removed, %,d -> %,d parameters left%s -> %s%n", structure.flag(), r.removed().size(), groups,
                    structure == Structure.HEADS && dense.config().kvHeads() < dense.config().heads() ? "key/value head groups" : structure.units(),
                    dense.parameterCount(), result.parameterCount(),
                    finalPpl == null ? "" : String.format(Locale.ROOT, "; perplexity %.3f%s%s", finalPpl,
                            ft != null && prunedPpl != null ? String.format(Locale.ROOT, " (%.3f before fine-tuning)", prunedPpl) : "",
                            densePpl != null ? String.format(Locale.ROOT, ", dense %.3f", densePpl) : ""), cmd.out);
        }
        return 0;
    }

    /**
     * What follows a round's compaction: its record in metrics.json, the perplexity of the pruned model
     * (with --eval; the last round's without fine-tuning is the saved model's, measured afterwards), the
     * fine-tuning and the fine-tuned perplexity (not for the last round: that is the saved model's).
     */
    private LmWeights afterRound(StructuredLmPruner.Round round, LmWeights pruned, int rounds, List<Map<String, Object>> records, LmFinetuner.Settings ft,
                                 int[] trainTokens, LmText.Loaded evalText, int[] evalIds, int el, double[] finetuneSeconds) {
        Map<String, Object> e = roundRecord(round);
        records.add(e);
        boolean last = round.round() == rounds;
        if (evalText != null && (ft != null || !last))
            e.put("perplexity_after_prune", cmd.perplexity(pruned.inference(), evalIds, evalText.source(), el, roundLabel(round.round(), rounds, "pruned")));
        if (ft == null) return pruned;
        StepProgress bar = new StepProgress(roundLabel(round.round(), rounds, "fine-tuning"), ft.steps());
        long f0 = System.nanoTime();
        LmWeights tuned = LmFinetuner.finetune(pruned, trainTokens, ft, new LmTrainer.Listener() {
            @Override
            public void step(int step, double loss, double lr, double gradNorm) {
                bar.update(step + 1, String.format(Locale.ROOT, "loss %.4f", loss));
            }
        });
        bar.finish();
        double seconds = (System.nanoTime() - f0) / 1e9;
        finetuneSeconds[0] += seconds;
        e.put("finetune_seconds", seconds);
        if (evalText != null && !last)
            e.put("perplexity_after_finetune", cmd.perplexity(tuned.inference(), evalIds, evalText.source(), el, roundLabel(round.round(), rounds, "fine-tuned")));
        return tuned;
    }

    /** The --schedule flag as a round count: oneshot 1, iterative:R R; agp is for vision models. */
    static int rounds(String schedule) throws IOException {
        if (schedule == null) return 1;
        SparsitySchedule parsed;
        try {
            parsed = SparsitySchedule.parse(schedule);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--schedule must be oneshot or iterative:R (R >= 1), got '" + schedule + "'");
        }
        return switch (parsed) {
            case SparsitySchedule.OneShot _ -> 1;
            case SparsitySchedule.Iterative it -> it.rounds();
            case SparsitySchedule.Gradual _ -> throw new UsageException("--schedule agp prunes during training and is for vision models (prune); lm prune takes oneshot or iterative:R");
        };
    }

    private static String roundLabel(int round, int rounds, String what) {
        return rounds == 1 ? what : "round " + round + "/" + rounds + " " + what;
    }

    /** A round's record in metrics.json: what it removed (the input's numbering, by layer) and the parameters left. */
    private static Map<String, Object> roundRecord(StructuredLmPruner.Round round) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("round", round.round());
        e.put("target_sparsity", round.targetSparsity());
        e.put("groups_removed", round.removed().size());
        e.put("params_total", round.parameters());
        e.put("perplexity_after_prune", null);
        e.put("perplexity_after_finetune", null);
        e.put("finetune_seconds", 0.0);
        e.put("removed", round.removedByLayer());
        return e;
    }

    private static List<Map<String, Object>> changes(StructuredLmPruner.Result r, Structure s) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (StructuredLmPruner.LayerChange c : r.changes()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", c.name());
            e.put("before", c.before());
            e.put("after", c.after());
            if (s == Structure.HEADS) {
                e.put("kv_before", c.kvBefore());
                e.put("kv_after", c.kvAfter());
            }
            e.put("removed", c.removed());
            out.add(e);
        }
        return out;
    }

    private static List<Double> toList(float[] a) {
        List<Double> out = new ArrayList<>();
        for (float x : a) out.add((double) x);
        return out;
    }

    /** "1,3,5" → [1, 3, 5]. */
    static List<Integer> blockList(String s) {
        List<Integer> out = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            try {
                out.add(Integer.parseInt(part.strip()));
            } catch (NumberFormatException e) {
                throw new UsageException("--blocks-to-remove must be block numbers separated by commas (e.g. 1,3,5), got '" + s + "'");
            }
        }
        return out;
    }
}
