package jprune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jprune.lm.hf.HfCheckpoint;

/** Opening --model DIR with a usage error when the directory is not there. */
final class LmModels {
    private LmModels() {}

    static HfCheckpoint open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new UsageException("--model: no directory " + dir);
        return HfCheckpoint.open(dir);
    }
}
