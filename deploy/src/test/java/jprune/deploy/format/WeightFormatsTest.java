package jprune.deploy.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WeightFormatsTest {
    private static final float[] D = {1, 0, 0, 2, 0, 3, 0, 0};

    @Test
    void namesPickFormats() {
        assertInstanceOf(DenseMatrix.class, WeightFormats.encode("dense", D, 2, 4, false));
        assertInstanceOf(CsrMatrix.class, WeightFormats.encode("csr", D, 2, 4, false));
        assertInstanceOf(BitmaskMatrix.class, WeightFormats.encode("bitmask", D, 2, 4, false));
        assertInstanceOf(SlicedEllMatrix.class, WeightFormats.encode("sell", D, 2, 4, false));
        NmMatrix nm = assertInstanceOf(NmMatrix.class, WeightFormats.encode("2:4", D, 2, 4, false));
        assertEquals(2, nm.n());
        assertEquals(4, nm.m());
        BlockSparseMatrix b = assertInstanceOf(BlockSparseMatrix.class, WeightFormats.encode("block2x1", D, 2, 4, false));
        assertEquals(2, b.blockRows());
        assertEquals(1, b.blockCols());
    }

    @Test
    void formatNamesRoundTripThroughTheRegistry() {
        for (String f : new String[] {"dense", "csr", "bitmask", "sell", "2:4", "3:8", "block4x4", "block1x16"}) {
            for (boolean int8 : new boolean[] {false, true}) {
                WeightMatrix w = WeightFormats.encode(f, D, 2, 4, int8);
                assertEquals(int8 ? f + "-int8" : f, w.format());
                WeightMatrix again = WeightFormats.encode(w.format(), D, 2, 4, false);
                assertEquals(w.format(), again.format());
            }
        }
    }

    @Test
    void unknownNamesListTheAllowedOnes() {
        for (String bad : new String[] {"coo", "", "2:", "block4", "blockAxB", "csr32", "100:200"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeightFormats.encode(bad, D, 2, 4, false));
            assertTrue(e.getMessage().contains("allowed: dense, csr, bitmask, sell, N:M"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> WeightFormats.encode(null, D, 2, 4, false));
    }

    @Test
    void formatRestrictionsStillApply() {
        assertThrows(IllegalArgumentException.class, () -> WeightFormats.encode("4:2", D, 2, 4, false));
        assertThrows(IllegalArgumentException.class, () -> WeightFormats.encode("1:4", new float[] {1, 1, 0, 0}, 1, 4, false));
        assertThrows(IllegalArgumentException.class, () -> WeightFormats.encode("block0x4", D, 2, 4, false));
    }
}
