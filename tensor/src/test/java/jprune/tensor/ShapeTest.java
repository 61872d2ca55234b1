package jprune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class ShapeTest {
    @Test
    void broadcastAlignsTrailingDims() {
        assertArrayEquals(new int[] {4, 3, 5}, Shape.broadcast(new int[] {3, 1}, new int[] {4, 1, 5}));
        assertArrayEquals(new int[] {2, 3}, Shape.broadcast(new int[] {}, new int[] {2, 3}));
        var e = assertThrows(IllegalArgumentException.class, () -> Shape.broadcast(new int[] {3}, new int[] {4}));
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[4]"));
    }

    @Test
    void resolveInfersOneDimension() {
        assertArrayEquals(new int[] {2, 6}, Shape.resolve(12, 2, -1));
        assertThrows(IllegalArgumentException.class, () -> Shape.resolve(12, 5, -1));
        assertThrows(IllegalArgumentException.class, () -> Shape.resolve(12, -1, -1));
    }

    @Test
    void numelRejectsOverflow() {
        assertThrows(IllegalArgumentException.class, () -> Shape.numel(1 << 16, 1 << 16));
        assertEquals(0, Shape.numel(3, 0));
    }

    @Test
    void parallelChunksCoverRangeExactlyOnce() {
        int n = 1001;
        int[] hits = new int[n];
        Parallel.forRange(n, 1, (c, from, to) -> {
            for (int i = from; i < to; i++) hits[i]++;
        });
        for (int h : hits) assertEquals(1, h);
    }
}
