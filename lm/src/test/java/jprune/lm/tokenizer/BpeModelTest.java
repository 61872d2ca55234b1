package jprune.lm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Merges checked by hand on tiny vocabularies. */
class BpeModelTest {
    private static Map<String, Integer> vocab(String... tokens) {
        Map<String, Integer> v = new LinkedHashMap<>();
        for (String t : tokens) v.put(t, v.size());
        return v;
    }

    private static String[] m(String a, String b) {
        return new String[] {a, b};
    }

    @Test
    void lowestRankFirstNotLeftToRight() {
        // ids: a0 b1 c2 ab3 bc4 abc5; "b c" outranks "a b", so abc = a + bc.
        BpeModel model = new BpeModel(vocab("a", "b", "c", "ab", "bc", "abc"), List.of(m("b", "c"), m("a", "b"), m("a", "bc")), false, null, false);
        assertArrayEquals(new int[] {5}, model.merge("abc"));
        assertArrayEquals(new int[] {3, 3}, model.merge("abab"));
        assertArrayEquals(new int[] {3, 4}, model.merge("abbc"));
        assertArrayEquals(new int[] {2, 2}, model.merge("cc"));
    }

    @Test
    void equalPairsMergeLeftmostFirst() {
        BpeModel model = new BpeModel(vocab("a", "aa", "aaa"), List.of(m("a", "a"), m("aa", "a")), false, null, false);
        assertArrayEquals(new int[] {2}, model.merge("aaa"));       // (aa)a then aaa
        assertArrayEquals(new int[] {1, 1}, model.merge("aaaa"));   // (aa)(aa): "aa a" never forms
        assertArrayEquals(new int[] {1, 2}, model.merge("aaaaa"));  // (aa)(aa)a, then aa+a at the end
    }

    @Test
    void ignoreMergesEmitsAWholeWordInTheVocabulary() {
        // "abc" is in the vocabulary but no merge makes it.
        Map<String, Integer> v = vocab("a", "b", "c", "ab", "abc");
        List<String[]> merges = List.<String[]>of(m("a", "b"));
        assertArrayEquals(new int[] {3, 2}, new BpeModel(v, merges, false, null, false).merge("abc"));
        assertArrayEquals(new int[] {4}, new BpeModel(v, merges, true, null, false).merge("abc"));
    }

    @Test
    void unknownCharactersAreDroppedOrBecomeUnk() {
        Map<String, Integer> v = vocab("a", "<unk>");
        assertArrayEquals(new int[] {0, 0}, new BpeModel(v, List.of(), false, null, false).merge("axya"));
        assertArrayEquals(new int[] {0, 1, 1, 0}, new BpeModel(v, List.of(), false, "<unk>", false).merge("axya"));
        assertArrayEquals(new int[] {0, 1, 0}, new BpeModel(v, List.of(), false, "<unk>", true).merge("axya"));
    }

    @Test
    void heapAndScanAgreeOnLongWords() {
        // The heap path (long words) against the rescanning reference on random words over {a, b, c}.
        Map<String, Integer> v = vocab("a", "b", "c", "ab", "ba", "aa", "abc", "aab", "bab", "cc", "ccc", "abab");
        List<String[]> merges = List.of(m("a", "b"), m("c", "c"), m("a", "a"), m("b", "a"), m("ab", "c"), m("a", "ab"), m("b", "ab"),
                m("cc", "c"), m("ab", "ab"));
        BpeModel model = new BpeModel(v, merges, false, null, false);
        Random r = new Random(7);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + r.nextInt(60);
            int[] sym = new int[n];
            for (int i = 0; i < n; i++) sym[i] = r.nextInt(3);
            assertArrayEquals(model.mergeByScan(sym.clone(), n), model.mergeByHeap(sym.clone(), n), "trial " + trial);
        }
    }

    @Test
    void badMergesAreNamed() {
        var e = assertThrows(TokenizerFormatException.class,
                () -> new BpeModel(vocab("a", "b", "ab"), List.of(m("a", "b"), m("a", "x")), false, null, false));
        assertEquals("merge 2 (\"a\" \"x\") names token \"x\", which is not in the vocabulary", e.getMessage());
        e = assertThrows(TokenizerFormatException.class, () -> new BpeModel(vocab("a", "b"), List.<String[]>of(m("a", "b")), false, null, false));
        assertEquals("merge 1 (\"a\" \"b\") makes \"ab\", which is not in the vocabulary", e.getMessage());
        e = assertThrows(TokenizerFormatException.class, () -> new BpeModel(Map.of("a", 0, "b", 0), List.of(), false, null, false));
        assertEquals(true, e.getMessage().contains("share id 0"), e.getMessage());
    }
}
