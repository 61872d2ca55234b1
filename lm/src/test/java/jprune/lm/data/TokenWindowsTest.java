package jprune.lm.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import jprune.tensor.Rng;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TokenWindowsTest {
    static int[] iota(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = 1000 + i;
        return t;
    }

    @Test
    void evaluationWindowsAreConsecutiveAndDropThePartialOne() {
        int[][] w = TokenWindows.evaluation(iota(11), 4);
        assertEquals(2, w.length);
        assertArrayEquals(new int[] {1000, 1001, 1002, 1003}, w[0]);
        assertArrayEquals(new int[] {1004, 1005, 1006, 1007}, w[1]);
        assertEquals(1, TokenWindows.evaluation(iota(4), 4).length, "exactly one window");
        assertEquals(3, TokenWindows.evaluation(iota(12), 4).length, "no partial window to drop");
        assertEquals(2, TokenWindows.evaluationCount(11, 4));
        assertEquals(0, TokenWindows.evaluationCount(3, 4));
    }

    @Test
    void tooFewTokensOrABadLengthIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenWindows.evaluation(iota(3), 4));
        assertEquals("need at least 4 tokens for one evaluation window of 4, got 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenWindows.evaluation(iota(0), 1));
        assertEquals("window length must be >= 1, got 0", assertThrows(IllegalArgumentException.class, () -> TokenWindows.evaluation(iota(5), 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenWindows.evaluationCount(5, -2));
        assertThrows(IllegalArgumentException.class, () -> TokenWindows.evaluationCount(-1, 2));
    }

    @Property(tries = 200)
    void evaluationWindowsTileThePrefix(@ForAll @IntRange(min = 1, max = 300) int n, @ForAll @IntRange(min = 1, max = 40) int length) {
        if (n < length) return;
        int[] tokens = iota(n);
        int[][] w = TokenWindows.evaluation(tokens, length);
        assertEquals(n / length, w.length);
        int[] joined = Arrays.stream(w).flatMapToInt(Arrays::stream).toArray();
        assertArrayEquals(Arrays.copyOf(tokens, n / length * length), joined);
    }

    @Test
    void randomStartsCoverEveryPlaceAWindowFitsAndNoOther() {
        Set<Integer> seen = new HashSet<>();
        for (int s : TokenWindows.randomStarts(10, 2000, 8, new Rng(1))) {
            assertTrue(s >= 0 && s <= 2, "start " + s);
            seen.add(s);
        }
        assertEquals(Set.of(0, 1, 2), seen);
        assertArrayEquals(new int[] {0, 0, 0}, TokenWindows.randomStarts(8, 3, 8, new Rng(5)), "one place only");
    }

    @Test
    void randomWindowsRepeatWithTheSeed() {
        int[] tokens = iota(500);
        int[][] a = TokenWindows.random(tokens, 16, 32, 42), b = TokenWindows.random(tokens, 16, 32, 42), c = TokenWindows.random(tokens, 16, 32, 43);
        assertTrue(Arrays.deepEquals(a, b));
        assertFalse(Arrays.deepEquals(a, c));
        for (int[] w : a) {
            assertEquals(32, w.length);
            for (int i = 1; i < w.length; i++) assertEquals(w[0] + i, w[i], "a contiguous slice");
            assertTrue(w[0] >= 1000 && w[31] <= 1499);
        }
    }

    @Test
    void randomWindowsRejectBadSizes() {
        assertEquals("need at least 33 tokens for a window of 33, got 32",
                assertThrows(IllegalArgumentException.class, () -> TokenWindows.random(iota(32), 1, 33, 0)).getMessage());
        assertEquals("window count must be >= 1, got 0", assertThrows(IllegalArgumentException.class, () -> TokenWindows.random(iota(32), 0, 4, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenWindows.random(iota(32), 2, 0, 0));
    }
}
