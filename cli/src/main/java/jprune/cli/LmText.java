package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import jprune.lm.data.BrownCorpus;
import jprune.lm.data.TextFile;
import jprune.lm.data.TextSplit;
import picocli.CommandLine.Option;

/** Where a language-model command's text comes from: --text FILE, or a split of the Brown corpus. */
public final class LmText {
    @Option(names = "--text", paramLabel = "FILE", description = "A UTF-8 text file (default: the Brown corpus split given by --split).")
    Path text;

    @Option(names = "--split", paramLabel = "NAME",
            description = "Brown corpus split when no --text is given: train, validation or test. Default: test.")
    String split;

    @Option(names = "--brown", paramLabel = "DIR", description = "Where the Brown corpus is (default: $JPRUNE_BROWN, then where bin/setup installs it).")
    Path brown;

    /** The text, and a short description of where it came from. */
    record Loaded(String text, String source) {}

    Loaded load() throws IOException {
        if (text != null && (split != null || brown != null))
            throw new UsageException((split != null ? "--split" : "--brown") + " picks a Brown corpus text; --text " + text + " replaces it: give one or the other");
        if (text != null) return new Loaded(TextFile.read(text), text.toString());
        return brownSplit(split != null ? split : "test", brown, "--split");
    }

    /** A text named on the command line: brown:SPLIT or a file (flag names the option in errors). */
    static Loaded source(String source, Path brown, String flag) throws IOException {
        if (source.startsWith("brown:")) return brownSplit(source.substring("brown:".length()), brown, flag);
        Path file = Path.of(source);
        if (!java.nio.file.Files.isRegularFile(file))
            throw new UsageException(flag + ": no file " + file + " (or give brown:train, brown:validation, brown:test)");
        return new Loaded(TextFile.read(file), file.toString());
    }

    /** What {@link #source} would fail on without reading the text: a missing file or an unknown Brown split. */
    static void checkSource(String source, String flag) {
        if (source.startsWith("brown:")) {
            try {
                TextSplit.parse(source.substring("brown:".length()));
            } catch (IllegalArgumentException e) {
                throw new UsageException(flag + ": " + e.getMessage());
            }
        } else if (!java.nio.file.Files.isRegularFile(Path.of(source))) {
            throw new UsageException(flag + ": no file " + source + " (or give brown:train, brown:validation, brown:test)");
        }
    }

    private static Loaded brownSplit(String split, Path brown, String flag) throws IOException {
        TextSplit s;
        try {
            s = TextSplit.parse(split);
        } catch (IllegalArgumentException e) {
            throw new UsageException(flag + ": " + e.getMessage());
        }
        BrownCorpus corpus = BrownCorpus.load(BrownCorpus.locate(brown));
        return new Loaded(corpus.text(s).text(), "brown:" + s.label());
    }
}
