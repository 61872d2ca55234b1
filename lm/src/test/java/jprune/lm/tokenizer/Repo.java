package jprune.lm.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout root, found from the test's working directory (the module or the root). */
public final class Repo {
    private Repo() {}

    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("bin/peers"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("no checkout root (a directory with bin/peers) above " + Path.of("").toAbsolutePath());
        return p;
    }
}
