package jprune.nn.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DataSplitTest {
    /** 100 one-pixel images whose pixel and label both identify the sample. */
    private static DataSplit numbered() {
        int n = 100;
        float[] img = new float[n];
        int[] lab = new int[n];
        for (int i = 0; i < n; i++) {
            img[i] = i;
            lab[i] = i % 10;
        }
        return new DataSplit("train", img, lab, n, 1, 1, 1, 10);
    }

    @Test
    void labelsOutsideTheClassesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new DataSplit("t", new float[2], new int[] {3, 12}, 2, 1, 1, 1, 10));
        assertTrue(e.getMessage().contains("label 12 of sample 1 is not a class in [0, 10)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DataSplit("t", new float[1], new int[] {-1}, 1, 1, 1, 1, 10));
        e = assertThrows(IllegalArgumentException.class, () -> new DataSplit("t", new float[0], new int[0], 0, 1, 1, 1, 0));
        assertTrue(e.getMessage().contains("numClasses"), e.getMessage());
    }

    @Test
    void holdingOutSplitsTheSamplesIntoTwoDisjointPartsInTheirOriginalOrder() {
        DataSplit.HeldOut parts = numbered().holdOut(12, 7);
        assertEquals(88, parts.rest().count());
        assertEquals(12, parts.heldOut().count());
        Set<Integer> seen = new HashSet<>();
        for (DataSplit s : new DataSplit[] {parts.rest(), parts.heldOut()}) {
            float prev = -1;
            for (int i = 0; i < s.count(); i++) {
                int id = (int) s.images()[i];
                assertTrue(seen.add(id), "sample " + id + " in both parts");
                assertEquals(id % 10, s.labels()[i], "labels travel with their images");
                assertTrue(id > prev, "original order kept");
                prev = id;
            }
        }
        assertEquals(100, seen.size());
        assertArrayEquals(parts.heldOut().images(), numbered().holdOut(12, 7).heldOut().images(), "the same seed holds out the same samples");
        assertFalse(java.util.Arrays.equals(parts.heldOut().images(), numbered().holdOut(12, 8).heldOut().images()));
        float[] held = parts.heldOut().images();
        assertTrue(held[11] >= 12 && held[0] < 88, "drawn at random, not the first or the last 12 samples");
    }

    @Test
    void holdingOutNothingOrEverythingIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> numbered().holdOut(0, 1));
        assertThrows(IllegalArgumentException.class, () -> numbered().holdOut(100, 1));
    }
}
