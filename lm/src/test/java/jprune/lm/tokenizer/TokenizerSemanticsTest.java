package jprune.lm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The rules of Hugging Face's tokenizers that the golden texts exercise only in passing. */
class TokenizerSemanticsTest {
    private static List<String> split(PreTokenizer p, String text) {
        List<String> out = new ArrayList<>();
        p.split(text, out);
        return out;
    }

    @Test
    void gpt2Pattern() {
        PreTokenizer g = PreTokenizer.gpt2();
        assertEquals(List.of("Hello", " ", " world"), split(g, "Hello  world"));
        assertEquals(List.of("I", "'", "M", " here", "'s"), split(g, "I'M here's"));
        assertEquals(List.of("1234567", " abc", "123"), split(g, "1234567 abc123"));
        // \s+(?!\S) leaves the last white space before a word to a piece of its own.
        assertEquals(List.of("a", "\n", "\n", "b", "  "), split(g, "a\n\nb  "));
        assertEquals(List.of("\uD835\uDC00\uD835\uDC01", " \uD83D\uDE00\uD83D\uDE00"), split(g, "𝐀𝐁 😀😀"));
    }

    @Test
    void llama3Pattern() {
        PreTokenizer l = PreTokenizer.llama3();
        assertEquals(List.of("I", "'M", " here", "'s"), split(l, "I'M here's"));
        assertEquals(List.of("123", "456", "7", " abc", "123"), split(l, "1234567 abc123"));
        assertEquals(List.of("a", ".\n\n", "b", " \n", "  "), split(l, "a.\n\nb \n  "));
        assertEquals(List.of("\treturn", "(x", ")"), split(l, "\treturn(x)"));
    }

    @Test
    void whiteSpaceIsUnicodeWhiteSpaceAsInRust() {
        // U+0085 is White_Space (Oniguruma's \s), U+FEFF is not; JavaScript's \s says the opposite.
        assertEquals(List.of("a", "\u0085", "\u0085", "b"), split(PreTokenizer.gpt2(), "a\u0085\u0085b"));
        assertEquals(List.of("a", " \uFEFF"), split(PreTokenizer.gpt2(), "a \uFEFF"));
        // As tokenizers 0.13.3 (Rust, Oniguruma) splits them (asked directly, see docs/tokenizers.md).
        assertEquals(List.of("a", "\u0085", "\u0085b"), split(PreTokenizer.llama3(), "a\u0085\u0085b"));
        assertEquals(List.of("a", "\u180E\u180E", "b"), split(PreTokenizer.llama3(), "a\u180E\u180Eb"));
        assertEquals(List.of("\u00A0", "\u00A0x"), split(PreTokenizer.llama3(), "\u00A0\u00A0x"));
        assertEquals(List.of("\u0661\u0662\u0663", "\u0664"), split(PreTokenizer.llama3(), "\u0661\u0662\u0663\u0664"));
        assertEquals(List.of("a", "\u3000", "\u3000", "b"), split(PreTokenizer.gpt2(), "a\u3000\u3000b"));
    }

    @Test
    void caseInsensitiveContractionsFoldAsUnicodeDoes() {
        // (?i:'s) in Oniguruma folds U+017F (long s) to s; the JavaScript peer folds ASCII only.
        assertEquals(List.of("x", "'\u017F", "t"), split(PreTokenizer.llama3(), "x'\u017Ft"));
    }

    private static Tokenizer small(List<AddedToken> added) {
        Tokenizer base = new BpeTrainer(300, 1, List.of(), PreTokenizer.GPT2_PATTERN).train("a b ab ba");
        return new Tokenizer(base.model(), base.preTokenizer(), added, PostProcessor.byteLevel());
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }

    @Test
    void addedTokensStripAndSingleWord() {
        AddedToken mask = new AddedToken(400, "<mask>", true, false, true, true, false);
        Tokenizer t = small(List.of(mask));
        assertArrayEquals(concat(t.encode("a"), new int[] {400}, t.encode("b")), t.encode("a  <mask>\tb"));
        AddedToken word = new AddedToken(401, "ab", false, true, false, false, false);
        Tokenizer w = small(List.of(word));
        assertArrayEquals(concat(w.encode("x "), new int[] {401}, w.encode(" y")), w.encode("x ab y"));
        // Touching a letter: not a match, the text is encoded normally.
        assertEquals(false, IntStream.of(w.encode("xab y")).anyMatch(i -> i == 401));
    }

    @Test
    void longestAddedTokenWins() {
        Tokenizer t = small(List.of(AddedToken.special(400, "<a>"), AddedToken.special(401, "<a><b>")));
        assertArrayEquals(new int[] {401, 400}, t.encode("<a><b><a>"));
    }

    @Test
    void specialTokensAddedAndSkipped() {
        Tokenizer base = small(List.of());
        int bos = base.vocabSize();
        Tokenizer t = new Tokenizer(base.model(), base.preTokenizer(), List.of(AddedToken.special(bos, "<s>")), PostProcessor.bos("<s>", bos));
        int[] plain = t.encode("ab a");
        assertArrayEquals(concat(new int[] {bos}, plain), t.encode("ab a", true));
        assertEquals("<s>ab a", t.decode(t.encode("ab a", true)));
        assertEquals("ab a", t.decode(t.encode("ab a", true), true));
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {bos + 1}));
    }

    @Test
    void idsThatSplitACharacterDecodeToReplacementCharacters() {
        Tokenizer t = small(List.of());
        int[] euro = t.encode("€"); // three byte tokens
        assertEquals(3, euro.length);
        assertEquals("\uFFFD", t.decode(new int[] {euro[0], euro[1]}));
        assertEquals("€", t.decode(euro));
        assertEquals("\uFFFDa", t.decode(new int[] {euro[2], t.tokenId("a")}));
    }

    @Test
    void splitBehaviours() {
        PreTokenizer.ByteLevel bl = new PreTokenizer.ByteLevel(false, true, false);
        PreTokenizer removed = new PreTokenizer(List.of(new PreTokenizer.Split(" ", true, true, false), bl));
        assertEquals(List.of("a", "b", "c"), split(removed, "a b  c"));
        PreTokenizer kept = new PreTokenizer(List.of(new PreTokenizer.Split(" ", true, true, true), bl));
        assertEquals(List.of(" ", " ", " "), split(kept, "a b  c"));
        PreTokenizer isolated = new PreTokenizer(List.of(new PreTokenizer.Split("\\d+", false, false, false), bl));
        assertEquals(List.of("ab", "12", "c", "3"), split(isolated, "ab12c3"));
        PreTokenizer prefixed = new PreTokenizer(List.of(new PreTokenizer.ByteLevel(true, true, true)));
        assertEquals(List.of(" hello", " world"), split(prefixed, "hello world"));
        assertEquals(List.of(" hello"), split(prefixed, " hello"));
    }

    @Test
    void postProcessorsFromTheFile() {
        Tokenizer base = small(List.of());
        int cls = base.vocabSize();
        List<AddedToken> added = List.of(AddedToken.special(cls, "<s>"), AddedToken.special(cls + 1, "</s>"));
        java.util.Map<String, Integer> ids = java.util.Map.of("<s>", cls, "</s>", cls + 1);
        Object roberta = jprune.nn.io.Json.parse("{\"type\": \"RobertaProcessing\", \"sep\": [\"</s>\", " + (cls + 1)
                + "], \"cls\": [\"<s>\", " + cls + "], \"trim_offsets\": true, \"add_prefix_space\": false}");
        PostProcessor p = TokenizerJsonReader.postProcessor(roberta, ids);
        Tokenizer t = new Tokenizer(base.model(), base.preTokenizer(), added, p);
        assertArrayEquals(concat(new int[] {cls}, t.encode("ab"), new int[] {cls + 1}), t.encode("ab", true));
        Object template = jprune.nn.io.Json.parse("{\"type\": \"Sequence\", \"processors\": [{\"type\": \"ByteLevel\"}, "
                + "{\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}, "
                + "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"SpecialToken\": {\"id\": \"</s>\", \"type_id\": 0}}], "
                + "\"pair\": [], \"special_tokens\": {\"<s>\": {\"id\": \"<s>\", \"ids\": [" + cls + "], \"tokens\": [\"<s>\"]}, "
                + "\"</s>\": {\"id\": \"</s>\", \"ids\": [" + (cls + 1) + "], \"tokens\": [\"</s>\"]}}}]}");
        PostProcessor q = TokenizerJsonReader.postProcessor(template, ids);
        assertArrayEquals(new int[] {cls}, q.prefix());
        assertArrayEquals(new int[] {cls + 1}, q.suffix());
    }
}
