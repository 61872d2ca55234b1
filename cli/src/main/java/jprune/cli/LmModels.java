package jprune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jprune.lm.hf.HfCheckpoint;

/** Opening --model DIR with a usage error when the directory is not there. */
final class LmModels {
    private LmModels() {}

    /** The tokenizer files of a model directory; its vocabulary must fit the model's. */
    static jprune.lm.tokenizer.Tokenizer tokenizer(Path dir, jprune.lm.model.LmConfig config) throws IOException {
        jprune.lm.tokenizer.Tokenizer t = jprune.lm.tokenizer.Tokenizers.load(dir);
        if (t.vocabSize() > config.vocabSize())
            throw new IOException(dir + ": the tokenizer has " + t.vocabSize() + " tokens but the model's vocabulary is " + config.vocabSize());
        return t;
    }

    static HfCheckpoint open(Path dir) throws IOException {
        return open(dir, "--model");
    }

    /** Opens dir, naming flag in the error when it is not a directory. */
    static HfCheckpoint open(Path dir, String flag) throws IOException {
        if (!Files.isDirectory(dir)) throw new UsageException(flag + ": no directory " + dir);
        return HfCheckpoint.open(dir);
    }
}
