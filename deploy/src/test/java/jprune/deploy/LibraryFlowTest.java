package jprune.deploy;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import jprune.deploy.io.CompressedModel;
import jprune.nn.Module;
import jprune.nn.data.DataSplit;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.models.ModelConfig;
import jprune.nn.models.Models;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import jprune.prune.PruneRecipe;
import jprune.prune.SparsityStats;
import jprune.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Use it as a library" flow, line for line except for the data (synthetic here, so the
 * test needs no data set): load a trained checkpoint, prune and fine-tune it from a recipe, save it,
 * compress it and read the compressed file back.
 */
class LibraryFlowTest {
    /** Ten classes, each lighting its own band of columns: learnable in one epoch. */
    static DataSplit synthetic(int n, long seed) {
        Rng rng = new Rng(seed);
        float[] img = new float[n * 784];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(10);
            labels[i] = c;
            for (int p = 0; p < 784; p++) img[i * 784 + p] = ((p % 28) / 3 == c ? 0.9f : 0.1f) + 0.1f * rng.nextFloat();
        }
        return new DataSplit("synthetic", img, labels, n, 1, 28, 28, 10);
    }

    @Test
    void pruneFineTuneCompressSave(@TempDir Path dir) throws Exception {
        DataSplit train = synthetic(512, 1), test = synthetic(200, 2);
        ModelConfig lenet = Models.defaultConfig("lenet-300-100");
        Module trained = Models.build(lenet, 3);
        new Trainer(trained, TrainConfig.builder().epochs(1).batchSize(32).lr(0.05).seed(1).build(), train, test, null).fit();
        Path checkpoint = dir.resolve("dense.safetensors"), out = dir.resolve("out");
        ModelCheckpoint.save(checkpoint, lenet, trained, Map.of());
        Files.createDirectories(out);

        // The README's lines.
        ModelCheckpoint.Loaded dense = ModelCheckpoint.load(checkpoint);
        PruneRecipe recipe = PruneRecipe.builder().sparsity(0.9).criterion("magnitude").schedule("agp").finetuneEpochs(2).finetuneBatch(32).build();
        PruneRecipe.Result pruned = recipe.run(dense.model(), dense.config(), train, test, null);
        ModelCheckpoint.save(out.resolve("model.safetensors"), pruned.config(), pruned.model(), Map.of());
        var planner = new CompressionPlanner(CompressedModel.Storage.INT8, true, "auto", FormatChooser.Goal.LATENCY, 64);
        var plan = planner.plan(pruned.model(), Map.of(), test.batch(0, 1), null);
        long bytes = CompressedModel.write(out.resolve("model.jpz"), pruned.config(), pruned.model(), plan.weights(), Map.of());
        Module deployed = CompressedModel.read(out.resolve("model.jpz")).model();

        assertEquals(0.9, SparsityStats.of(pruned.model()).sparsity(), 1e-4);
        assertEquals(0.9, SparsityStats.of(ModelCheckpoint.load(out.resolve("model.safetensors")).model()).sparsity(), 1e-4, "the saved model is the pruned one");
        assertEquals(bytes, Files.size(out.resolve("model.jpz")));
        assertTrue(bytes * 10 < Files.size(checkpoint), "90% sparse int8 is far smaller than dense fp32: " + bytes + " vs " + Files.size(checkpoint));
        double masked = Trainer.accuracy(pruned.model(), test, 256), compressed = Trainer.accuracy(deployed, test, 256);
        assertTrue(masked > 0.8, "fine-tuned at 90% on a learnable task: " + masked);
        assertEquals(masked, compressed, 0.02, "int8 changes few predictions");
    }
}
