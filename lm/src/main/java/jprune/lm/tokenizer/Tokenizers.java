package jprune.lm.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads the tokenizer of a Hugging Face layout directory. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * Loads {@code dir/tokenizer.json} if present, else the pair {@code dir/vocab.json} +
     * {@code dir/merges.txt}.
     *
     * @throws NoSuchFileException if the directory has neither
     * @throws TokenizerFormatException if the files cannot be used (the message names file and field)
     */
    public static Tokenizer load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir.toString(), null, "not a directory");
        Path json = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) return TokenizerJsonReader.read(json);
        Path vocab = dir.resolve("vocab.json");
        Path merges = dir.resolve("merges.txt");
        if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) return Gpt2FilesReader.read(vocab, merges);
        throw new NoSuchFileException(dir.toString(), null, "no tokenizer.json, and no vocab.json + merges.txt pair");
    }
}
