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

    @Test
    void badFlagsNameTheFlagAndTheAllowedValues() throws Exception {
        String m = model.toString(), t = text.toString(), o = tmp.resolve("bad").toString();
        Object[][] cases = {
            {new String[] {"--granularity", "channels", "--sparsity", "0.5"}, "--granularity must be heads, mlp-neurons or blocks"},
            {new String[] {"--granularity", "rows", "--sparsity", "0.5"}, "--granularity must be heads, mlp-neurons or blocks"},
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
