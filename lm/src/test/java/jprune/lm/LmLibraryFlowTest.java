package jprune.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import jprune.lm.eval.Perplexity;
import jprune.lm.hf.DType;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.hf.MappedTensor;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.LmConfig;
import jprune.lm.model.RandomCheckpoint;
import jprune.lm.prune.CalibrationSamples;
import jprune.lm.prune.OneShotSettings;
import jprune.lm.prune.PruneMethod;
import jprune.lm.prune.SequentialPruner;
import jprune.lm.prune.SparsityPattern;
import jprune.lm.tokenizer.Tokenizer;
import jprune.lm.tokenizer.Repo;
import jprune.lm.tokenizer.Tokenizers;
import jprune.nn.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Language models as a library" lines, run on a tiny random Llama with GPT-2's
 * tokenizer: open, tokenize, perplexity, one-shot Wanda 2:4 into a new checkpoint, reopen.
 */
class LmLibraryFlowTest {
    @Test
    void openPruneWriteAndReopenACheckpointFromJava(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("tiny"), out = tmp.resolve("tiny-wanda-24");
        LmConfig c = LmConfig.fromJson(Json.parseObject("{\"model_type\":\"llama\",\"vocab_size\":50257,\"hidden_size\":32,\"intermediate_size\":64,"
                + "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"max_position_embeddings\":128}"));
        RandomCheckpoint.write(dir, c, DType.BF16, 1, 0);
        Files.copy(Repo.root().resolve("bin/peers/tokenizers/gpt2-bpe/tokenizer.json"), dir.resolve("tokenizer.json"));
        String text = "The Fulton County Grand Jury said Friday an investigation of recent primary elections produced no evidence.\n".repeat(20);

        // --- as in the README ---
        Tokenizer tok = Tokenizers.load(dir);
        int[] ids = tok.encode(text, false);
        double dense, pruned;
        SequentialPruner.Result result;
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {              // memory-mapped; the model lives while ck is open
            DecoderModel model = DecoderModel.open(ck);
            dense = Perplexity.evaluate(model, ids, 64, 0, null).perplexity();
            var settings = OneShotSettings.of(PruneMethod.parse("wanda"), SparsityPattern.parse("2:4"));
            var calibration = CalibrationSamples.fromTokens(ids, 4, 32, 0, "text");
            result = new SequentialPruner(settings).pruneInto(ck, model, calibration, out, null);
        }
        try (HfCheckpoint ck = HfCheckpoint.open(out)) {
            pruned = Perplexity.evaluate(DecoderModel.open(ck), ids, 64, 0, null).perplexity();
            // --- end ---
            assertEquals(0.5, result.sparsity(), 1e-12);
            assertEquals(14, result.layers().size());
            MappedTensor w = ck.tensor("model.layers.0.mlp.up_proj.weight");
            assertEquals(DType.BF16, w.dtype(), "the source's dtype");
            float[] v = w.toFloats();
            for (int g = 0; g < v.length; g += 4) {
                int zeros = 0;
                for (int i = g; i < g + 4; i++) if (v[i] == 0f) zeros++;
                assertTrue(zeros >= 2, "group " + g / 4 + " is not 2:4");
            }
        }
        assertTrue(Double.isFinite(dense) && Double.isFinite(pruned) && pruned != dense, dense + " -> " + pruned);
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")), "tokenizer files travel with the checkpoint");
    }
}
