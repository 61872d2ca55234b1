package jprune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.models.Models;
import jprune.nn.train.TrainConfig;
import picocli.CommandLine.Option;

/** Where a pruning command gets its trained dense model: a saved run, or a reference model trained on the spot. */
final class DenseSource {
    @Option(names = "--from", paramLabel = "DIR", description = "Run directory holding the trained model.safetensors.")
    Path from;

    @Option(names = "--model", paramLabel = "M", description = "Train this reference model first (default recipe), into OUT/dense; reused if already there.")
    String model;

    /** Fails when --out is --from: the results would replace the model they come from. Call before writing anything. */
    void checkOut(Path out) {
        if (from == null) return;
        // --from may name the run directory or the checkpoint file in it.
        Path dir = Files.isRegularFile(from) ? from.toAbsolutePath().getParent() : from;
        SavedModel.requireOutDiffers(out, dir, "--from", "the results would replace the model they come from");
    }

    /** The dense checkpoint, training it into OUT/dense first when a model name was given. */
    Path checkpoint(Path out, long seed, Data.Splits data, int threads) throws IOException {
        checkOut(out);
        if (from != null) return SavedModel.checkpoint(from);
        if (!Models.NAMES.contains(model)) throw new UsageException("--model must be one of " + Models.NAMES + ", got '" + model + "'");
        Path dense = out.resolve("dense").resolve("model.safetensors");
        if (Files.exists(dense)) {
            String saved = ModelCheckpoint.load(dense).config().name();
            if (!saved.equals(model))
                throw new UsageException(dense.getParent() + " holds a " + saved + ", not the " + model
                        + " --model asks for: give another --out, or --from " + dense.getParent() + " to prune that one");
            System.err.println("reusing the dense model in " + dense.getParent());
        } else {
            TrainRun.run(model, TrainConfig.defaults(model).withSeed(seed), data, dense.getParent(), threads, System.err);
        }
        return dense;
    }
}
