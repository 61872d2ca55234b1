package example;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import jprune.deploy.CompressionPlanner;
import jprune.deploy.FormatChooser;
import jprune.deploy.io.CompressedModel;
import jprune.nn.Module;
import jprune.nn.data.DataSplit;
import jprune.nn.data.FashionMnist;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.train.Trainer;
import jprune.prune.PruneRecipe;

/**
 * Prunes a trained model to 90% on the gradual schedule, fine-tunes it, saves it, and writes and
 * reads back its int8 compressed form: the README's "Use it as a library" lines.
 * Usage: {@code java --add-modules jdk.incubator.vector -cp ... example.Main DENSE.safetensors OUT_DIR}.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: example.Main DENSE.safetensors OUT_DIR");
            System.exit(2);
        }
        Path out = Files.createDirectories(Path.of(args[1]));

        Path data = FashionMnist.locate(null);
        DataSplit train = FashionMnist.load(data, true), test = FashionMnist.load(data, false);
        ModelCheckpoint.Loaded dense = ModelCheckpoint.load(Path.of(args[0]));
        PruneRecipe recipe = PruneRecipe.builder().sparsity(0.9).criterion("magnitude").schedule("agp").finetuneEpochs(12).build();
        PruneRecipe.Result pruned = recipe.run(dense.model(), dense.config(), train, test, null);
        ModelCheckpoint.save(out.resolve("model.safetensors"), pruned.config(), pruned.model(), Map.of());
        var planner = new CompressionPlanner(CompressedModel.Storage.INT8, true, "auto", FormatChooser.Goal.LATENCY, 64);
        var plan = planner.plan(pruned.model(), Map.of(), test.batch(0, 1), null);
        long bytes = CompressedModel.write(out.resolve("model.jpz"), pruned.config(), pruned.model(), plan.weights(), Map.of());
        Module deployed = CompressedModel.read(out.resolve("model.jpz")).model();

        System.out.printf("pruned to %.1f%%; %,d bytes compressed; test accuracy %.2f%%%n",
                100 * pruned.stats().sparsity(), bytes, 100 * Trainer.accuracy(deployed, test, 256));
    }
}
