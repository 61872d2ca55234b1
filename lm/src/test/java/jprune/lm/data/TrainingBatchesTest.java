package jprune.lm.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TrainingBatchesTest {
    @Test
    void targetsAreTheInputsShiftedByOne() {
        int[] tokens = TokenWindowsTest.iota(100);
        TrainingBatches.Batch b = new TrainingBatches(tokens, 4, 10, 7).batch(0);
        assertEquals(4, b.batchSize());
        assertEquals(10, b.length());
        assertEquals(40, b.inputs().length);
        assertEquals(40, b.targets().length);
        for (int r = 0; r < 4; r++) {
            int s = b.starts()[r];
            assertTrue(s >= 0 && s + 11 <= tokens.length, "window of L + 1 fits: start " + s);
            for (int i = 0; i < 10; i++) {
                assertEquals(tokens[s + i], b.inputs()[r * 10 + i]);
                assertEquals(tokens[s + i + 1], b.targets()[r * 10 + i]);
            }
        }
    }

    @Test
    void theBatchOfAStepDependsOnlyOnSeedAndStep() {
        int[] tokens = TokenWindowsTest.iota(1000);
        TrainingBatches a = new TrainingBatches(tokens, 8, 16, 3), b = new TrainingBatches(tokens, 8, 16, 3);
        int[] step5 = a.batch(5).starts();
        for (int s = 0; s < 5; s++) a.batch(s);
        assertArrayEquals(step5, a.batch(5).starts(), "drawing other steps first changes nothing");
        assertArrayEquals(step5, b.batch(5).starts(), "a second instance with the same seed agrees");
        assertArrayEquals(a.batch(5).inputs(), b.batch(5).inputs());
        assertFalse(Arrays.equals(step5, a.batch(6).starts()));
        assertFalse(Arrays.equals(step5, new TrainingBatches(tokens, 8, 16, 4).batch(5).starts()));
    }

    @Test
    void theSmallestStreamHasOnePlaceForAWindow() {
        TrainingBatches.Batch b = new TrainingBatches(new int[] {5, 6, 7}, 2, 2, 0).batch(9);
        assertArrayEquals(new int[] {5, 6, 5, 6}, b.inputs());
        assertArrayEquals(new int[] {6, 7, 6, 7}, b.targets());
    }

    @Test
    void badSizesAreRejected() {
        int[] tokens = TokenWindowsTest.iota(10);
        assertEquals("need at least 11 tokens for training windows of 10 (+1 for the shifted target), got 10",
                assertThrows(IllegalArgumentException.class, () -> new TrainingBatches(tokens, 1, 10, 0)).getMessage());
        assertEquals("batch size must be >= 1, got 0", assertThrows(IllegalArgumentException.class, () -> new TrainingBatches(tokens, 0, 4, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TrainingBatches(tokens, 2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new TrainingBatches(tokens, 2, Integer.MAX_VALUE, 0));
        assertThrows(IllegalArgumentException.class, () -> new TrainingBatches(tokens, 1 << 16, 1 << 16, 0), "batch × length overflows an int");
        assertThrows(IllegalArgumentException.class, () -> new TrainingBatches(tokens, 2, 4, 0).batch(-1));
    }
}
