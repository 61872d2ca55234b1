package jprune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jprune.nn.io.ModelCheckpoint;

/** Resolves a --from argument (a run directory or a .safetensors file) and loads the model in it. */
final class SavedModel {
    private SavedModel() {}

    /** The checkpoint file a --from argument names. */
    static Path file(Path from) {
        Path file = Files.isDirectory(from) ? from.resolve("model.safetensors") : from;
        if (!Files.exists(file))
            throw new UsageException("--from: no model at " + file + " (expected a directory written by 'jprune train' or 'jprune prune', or a .safetensors file)");
        return file;
    }

    static ModelCheckpoint.Loaded load(Path from) throws IOException {
        return ModelCheckpoint.load(file(from));
    }
}
