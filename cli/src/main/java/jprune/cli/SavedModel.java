package jprune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jprune.nn.io.ModelCheckpoint;

/** Resolves a --from argument (a run directory or a .safetensors file) and loads the model in it. */
final class SavedModel {
    private SavedModel() {}

    /** The checkpoint file a --from argument names: a directory's model.safetensors, else its compressed model.jpz, or the file itself. */
    static Path file(Path from) {
        Path file = from;
        if (Files.isDirectory(from) && Files.isRegularFile(from.resolve("config.json")))
            throw new UsageException("--from: " + from + " is a Hugging Face language model (it has config.json): the 'jprune lm' commands"
                    + " read it (lm eval, lm prune, lm generate, lm bench), and compress packs it");
        if (Files.isDirectory(from)) {
            file = from.resolve("model.safetensors");
            if (!Files.exists(file) && Files.exists(from.resolve("model.jpz"))) file = from.resolve("model.jpz");
        }
        if (!Files.exists(file))
            throw new UsageException("--from: no model at " + file + " (expected a directory written by 'jprune train', 'prune' or 'compress', or a .safetensors or .jpz file)");
        return file;
    }

    /** The fp32 checkpoint a --from argument names, for commands that train or inspect weights (a .jpz is refused by name). */
    static Path checkpoint(Path from) {
        Path file = file(from);
        if (isCompressed(file))
            throw new UsageException("--from: " + file + " is a compressed model; this command needs the .safetensors checkpoint it was made from");
        return file;
    }

    /**
     * Fails when out is the input directory (flag names it; why says what would be lost). Compared as
     * files when both exist, so "dir", "./dir" and a symbolic link to it are one place.
     */
    static void requireOutDiffers(Path out, Path input, String flag, String why) {
        if (samePlace(input, out)) throw new UsageException("--out must differ from " + flag + " (" + why + ")");
    }

    /**
     * Fails unless a language-model checkpoint may be written to out: the writer replaces the directory
     * whole, so it must be new, empty or a checkpoint already (see HfCheckpointWriter.checkReplaceable).
     */
    static void requireCheckpointOut(Path out) {
        try {
            jprune.lm.hf.HfCheckpointWriter.checkReplaceable(out);
        } catch (IOException e) {
            throw new UsageException("--out: " + e.getMessage());
        }
    }

    private static boolean samePlace(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) return Files.isSameFile(a, b);
        } catch (IOException e) {
            // compared by name below
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    static boolean isCompressed(Path file) {
        return file.getFileName().toString().endsWith(".jpz");
    }

    static ModelCheckpoint.Loaded load(Path from) throws IOException {
        return ModelCheckpoint.load(file(from));
    }
}
