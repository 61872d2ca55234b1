package jprune.cli;

import static jprune.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.DecoderModel;
import jprune.nn.io.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lm prune --granularity ...} as a user meets it: a compacted, fine-tuned checkpoint with its metrics, explicit block lists, and bad flags. */
class LmStructuredPruneCliTest {
    @TempDir static Path tmp;
    static Path model, text;

    @BeforeAll
    static void tinyModel() throws Exception {
        model = TinyLm.model(tmp);   // llama, 2 blocks, 4 heads / 2 kv heads, MLP 48, BF16
        text = TinyLm.text(tmp, 30);
    }

    @Test
    void headsAreRemovedFineTunedAndSavedCompacted() throws Exception {
        Path out = tmp.resolve("heads");
        CliTest.Run r = run("lm", "prune", "--model", model.toString(), "--granularity", "heads", "--criterion", "taylor", "--sparsity", "0.5",
                "--calib", text.toString(), "--nsamples", "4", "--seqlen", "24", "--finetune-steps", "3", "--finetune-batch", "2",
                "--eval", text.toString(), "--eval-seqlen", "32", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> m = Json.parseObject(Files.readString(out.resolve("metrics.json")));
        assertEquals("heads", m.get("granularity"));
        assertEquals("taylor", m.get("criterion"));
        for (String key : List.of("dense_perplexity", "perplexity_before_finetune", "perplexity", "params_total", "params_total_dense"))
            assertTrue(m.get(key) instanceof Number, key + " in " + m);
        assertTrue(((Number) m.get("params_total")).longValue() < ((Number) m.get("params_total_dense")).longValue());
        List<?> heads = (List<?>) m.get("heads");
        assertEquals(2, heads.size());
        Map<?, ?> l0 = (Map<?, ?>) heads.get(0);
        assertEquals("model.layers.0.self_attn", l0.get("name"));
        assertEquals(List.of(4L, 2L, 2L, 1L), List.of(l0.get("before"), l0.get("after"), l0.get("kv_before"), l0.get("kv_after")));
        try (HfCheckpoint ck = HfCheckpoint.open(out)) {
            DecoderModel d = DecoderModel.open(ck);
            assertEquals(2, d.config().heads(1));
            assertEquals(1, d.config().kvHeads(1));
            assertEquals("BF16", ck.tensor("model.layers.0.self_attn.q_proj.weight").storedDtype());
            assertEquals(2L, ck.config().get("num_attention_heads"), "uniform heads: plain Hugging Face keys");
        }
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
        try (var files = Files.list(tmp)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().contains("unfinetuned")), "the temporary pre-fine-tuning copy is gone");
        }
    }

    @Test
    void namedBlocksAndScoredNeuronsAreRemoved() throws Exception {
        Path out = tmp.resolve("blocks");
        CliTest.Run r = run("lm", "prune", "--model", model.toString(), "--granularity", "blocks", "--blocks-to-remove", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> m = Json.parseObject(Files.readString(out.resolve("metrics.json")));
        assertEquals(List.of(1L), m.get("blocks_to_remove"));
        try (HfCheckpoint ck = HfCheckpoint.open(out)) {
            assertEquals(1L, ck.config().get("num_hidden_layers"));
            assertFalse(ck.has("model.layers.1.mlp.up_proj.weight"));
        }
        Path neurons = tmp.resolve("neurons");
        r = run("lm", "prune", "--model", model.toString(), "--granularity", "mlp-neurons", "--sparsity", "0.25", "--scope", "global", "--out", neurons.toString());
        assertEquals(0, r.code(), r.err());
        m = Json.parseObject(Files.readString(neurons.resolve("metrics.json")));
        long kept = 0;
        for (Object o : (List<?>) m.get("mlp_neurons")) kept += ((Number) ((Map<?, ?>) o).get("after")).longValue();
        assertEquals(72, kept, "a quarter of 2 × 48 neurons removed");
    }

    /**
     * The residual width of a GPT-2 (whose head size n_embd / n_head no longer holds afterwards) in
     * two rounds with fine-tuning: both rounds recorded, every index in the input's numbering, the
     * output reloads for lm eval and lm generate.
     */
    @Test
    void hiddenWidthInTwoRoundsWithFineTuning() throws Exception {
        Path gpt2 = tmp.resolve("tiny-gpt2");
        jprune.lm.model.RandomCheckpoint.write(gpt2, jprune.lm.model.LmConfig.fromJson(Json.parseObject("{\"model_type\":\"gpt2\",\"vocab_size\":1501,"
                + "\"n_embd\":32,\"n_head\":4,\"n_layer\":2,\"n_inner\":48,\"n_positions\":64,\"eos_token_id\":1500}")), jprune.lm.hf.DType.F32, 2, 0);
        Files.copy(model.resolve("tokenizer.json"), gpt2.resolve("tokenizer.json"));
        Path out = tmp.resolve("hidden");
        CliTest.Run r = run("lm", "prune", "--model", gpt2.toString(), "--granularity", "hidden", "--criterion", "taylor", "--sparsity", "0.25",
                "--schedule", "iterative:2", "--calib", text.toString(), "--nsamples", "4", "--seqlen", "24", "--finetune-steps", "2", "--finetune-batch", "2",
                "--eval", text.toString(), "--eval-seqlen", "32", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("hidden: 8 of 32 hidden dimensions removed"), r.out());
        Map<String, Object> m = Json.parseObject(Files.readString(out.resolve("metrics.json")));
        assertEquals("hidden", m.get("granularity"));
        assertEquals("iterative:2", m.get("schedule"));
        Map<?, ?> hidden = (Map<?, ?>) ((List<?>) m.get("hidden")).get(0);
        assertEquals(List.of("hidden", 32L, 24L), List.of(hidden.get("name"), hidden.get("before"), hidden.get("after")));
        List<?> removed = (List<?>) hidden.get("removed");
        assertEquals(8, removed.size());
        List<?> rounds = (List<?>) m.get("rounds");
        assertEquals(2, rounds.size());
        java.util.Set<Object> both = new java.util.TreeSet<>();
        for (Object o : rounds) {
            Map<?, ?> round = (Map<?, ?>) o;
            for (String key : List.of("perplexity_after_prune", "perplexity_after_finetune", "params_total"))
                assertTrue(round.get(key) instanceof Number, key + " in " + round);
            both.addAll((List<?>) ((Map<?, ?>) round.get("removed")).get("hidden"));
        }
        // The geometric schedule: 1 − sqrt(0.75) = 13.4% of 32 after round 1 (4), 25% after round 2 (4 more).
        assertEquals(List.of(4L, 4L), rounds.stream().map(o -> ((Map<?, ?>) o).get("groups_removed")).toList());
        assertEquals(new java.util.TreeSet<Object>(removed), both, "the rounds' indices, in the input's numbering, are the removed dimensions");
        assertEquals(((Map<?, ?>) rounds.get(1)).get("perplexity_after_finetune"), m.get("perplexity"));
        try (HfCheckpoint ck = HfCheckpoint.open(out)) {
            assertEquals(24L, ck.config().get("n_embd"));
            assertEquals(8L, ck.config().get("jprune_head_dim"));
            assertEquals(24, DecoderModel.open(ck).config().hiddenSize());
        }
        CliTest.Run eval = run("lm", "eval", "--model", out.toString(), "--text", text.toString(), "--seqlen", "32");
        assertEquals(0, eval.code(), eval.err());
        CliTest.Run gen = run("lm", "generate", "--model", out.toString(), "--prompt", "The Fulton", "--max-new-tokens", "3");
        assertEquals(0, gen.code(), gen.err());
    }

    @Test
    void badFlagsNameTheFlagAndTheAllowedValues() throws Exception {
        String m = model.toString(), t = text.toString(), o = tmp.resolve("bad").toString();
        Object[][] cases = {
            {new String[] {"--granularity", "channels", "--sparsity", "0.5"}, "--granularity must be heads, mlp-neurons, blocks or hidden"},
            {new String[] {"--granularity", "rows", "--sparsity", "0.5"}, "--granularity must be heads, mlp-neurons, blocks or hidden"},
            {new String[] {"--granularity", "hidden", "--sparsity", "0.5", "--criterion", "gate", "--calib", t}, "with --granularity hidden use one of magnitude, magnitude-l2, taylor"},
            {new String[] {"--granularity", "hidden", "--blocks-to-remove", "1"}, "--blocks-to-remove needs --granularity blocks"},
            {new String[] {"--granularity", "hidden", "--sparsity", "0.99"}, "--sparsity 0.99 would remove every hidden dimension (32)"},
            {new String[] {"--granularity", "hidden", "--sparsity", "0.5", "--schedule", "agp"}, "--schedule agp prunes during training"},
            {new String[] {"--granularity", "hidden", "--sparsity", "0.5", "--schedule", "iterative:0"}, "--schedule must be oneshot or iterative:R"},
            {new String[] {"--granularity", "blocks", "--blocks-to-remove", "1", "--schedule", "iterative:2"}, "--blocks-to-remove names the blocks"},
            {new String[] {"--method", "magnitude", "--sparsity", "0.5", "--schedule", "iterative:2"}, "need --granularity"},
            {new String[] {"--granularity", "heads"}, "--sparsity is required with --granularity"},
            {new String[] {"--granularity", "heads", "--sparsity", "0.5", "--criterion", "skip-loss", "--calib", t}, "with --granularity heads use one of magnitude, magnitude-l2, taylor, gate"},
            {new String[] {"--granularity", "blocks", "--sparsity", "0.5", "--criterion", "wanda"}, "--criterion must be one of"},
            {new String[] {"--granularity", "heads", "--sparsity", "0.9"}, "--sparsity 0.9 would remove every head"},
            {new String[] {"--granularity", "blocks", "--sparsity", "0.5"}, "--calib is required for --criterion block-influence"},
            {new String[] {"--granularity", "heads", "--sparsity", "0.5", "--method", "wanda"}, "with --granularity choose the score with --criterion"},
            {new String[] {"--granularity", "heads", "--sparsity", "0.5", "--scope", "model"}, "scope must be 'layer' or 'global'"},
            {new String[] {"--granularity", "heads", "--blocks-to-remove", "1"}, "--blocks-to-remove needs --granularity blocks"},
            {new String[] {"--granularity", "blocks", "--blocks-to-remove", "0,1"}, "would remove all 2 blocks"},
            {new String[] {"--granularity", "blocks", "--blocks-to-remove", "one"}, "--blocks-to-remove must be block numbers"},
            {new String[] {"--granularity", "heads", "--sparsity", "0.5", "--finetune-steps", "2"}, "--finetune-steps needs training text"},
            {new String[] {"--method", "magnitude", "--sparsity", "0.5", "--criterion", "taylor"}, "need --granularity"},
        };
        for (Object[] c : cases) {
            String[] flags = (String[]) c[0];
            String[] args = new String[flags.length + 6];
            args[0] = "lm";
            args[1] = "prune";
            args[2] = "--model";
            args[3] = m;
            System.arraycopy(flags, 0, args, 4, flags.length);
            args[args.length - 2] = "--out";
            args[args.length - 1] = o;
            CliTest.Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", flags) + ": " + r.err());
            assertTrue(r.err().contains((String) c[1]) && r.err().strip().lines().count() == 1, String.join(" ", flags) + ": " + r.err());
        }
        Path packed = tmp.resolve("packed");
        CliTest.Run c = run("compress", "--from", m, "--format", "dense", "--quantize", "int8", "--out", packed.toString());
        assertEquals(0, c.code(), c.err());
        c = run("lm", "prune", "--model", packed.toString(), "--granularity", "heads", "--sparsity", "0.5", "--out", o);
        assertEquals(2, c.code(), c.err());
        assertTrue(c.err().contains("--model: ") && c.err().contains("is a compressed model"), c.err());
        assertFalse(Files.exists(tmp.resolve("bad")), "nothing written on bad input");
    }
}
