package jprune.deploy.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Raw arrays as a file could hold them: every inconsistency is an IllegalArgumentException naming it. */
class ValidationTest {
    private static void rejects(String messagePart, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(messagePart), "message '" + ex.getMessage() + "' should mention '" + messagePart + "'");
    }

    @Test
    void dense() {
        rejects("values has 5", () -> DenseMatrix.fromArrays(2, 3, new float[5]));
        rejects("must be in [0, ", () -> DenseMatrix.fromArrays(-1, 3, new float[0]));
        rejects("more than one Java array", () -> DenseMatrix.fromArrays(1 << 16, 1 << 16, new float[0]));
        rejects("scales has 1", () -> DenseMatrix.fromInt8Arrays(2, 1, new byte[2], new float[1]));
        rejects("scale of row 1", () -> DenseMatrix.fromInt8Arrays(2, 1, new byte[2], new float[] {1, Float.NaN}));
        rejects("scale of row 0", () -> DenseMatrix.fromInt8Arrays(2, 1, new byte[2], new float[] {-1, 1}));
        rejects("scale of row 0", () -> DenseMatrix.fromInt8Arrays(1, 1, new byte[1], new float[] {Float.POSITIVE_INFINITY}));
        rejects("-128", () -> DenseMatrix.fromInt8Arrays(1, 2, new byte[] {0, -128}, new float[] {1}));
        rejects("finite weights", () -> DenseMatrix.int8(new float[] {1, Float.NaN}, 1, 2));
    }

    @Test
    void csr() {
        int[] rp = {0, 2, 3};
        int[] ci = {0, 2, 1};
        float[] v = {1, 2, 3};
        assertArrayEquals(new float[] {1, 0, 2, 0, 3, 0}, CsrMatrix.fromArrays(2, 3, rp, ci, v).toDense());
        rejects("rowPointers has 2", () -> CsrMatrix.fromArrays(2, 3, new int[] {0, 3}, ci, v));
        rejects("rowPointers[0]", () -> CsrMatrix.fromArrays(2, 3, new int[] {1, 2, 3}, ci, v));
        rejects("must not decrease", () -> CsrMatrix.fromArrays(2, 3, new int[] {0, 4, 3}, ci, v));
        rejects("end at 2", () -> CsrMatrix.fromArrays(2, 3, new int[] {0, 2, 2}, ci, v));
        rejects("2 values", () -> CsrMatrix.fromArrays(2, 3, rp, ci, new float[2]));
        rejects("outside [0, 3)", () -> CsrMatrix.fromArrays(2, 3, rp, new int[] {0, 3, 1}, v));
        rejects("outside [0, 3)", () -> CsrMatrix.fromArrays(2, 3, rp, new int[] {-1, 2, 1}, v));
        rejects("strictly increasing", () -> CsrMatrix.fromArrays(2, 3, rp, new int[] {2, 0, 1}, v));
        rejects("strictly increasing", () -> CsrMatrix.fromArrays(2, 3, rp, new int[] {1, 1, 1}, v));
        rejects("outside [0, 3)", () -> CsrMatrix.fromArrays(2, 3, rp, new char[] {0, 3, 1}, v));
        rejects("-128", () -> CsrMatrix.fromInt8Arrays(2, 3, rp, ci, new byte[] {1, -128, 1}, new float[] {1, 1}));
        rejects("scale of row 1", () -> CsrMatrix.fromInt8Arrays(2, 3, rp, ci, new byte[3], new float[] {1, Float.NaN}));
        // A huge row pointer must not make the reader allocate: it is caught by the count check.
        rejects("end at", () -> CsrMatrix.fromArrays(1, 3, new int[] {0, Integer.MAX_VALUE}, new int[0], new float[0]));
    }

    @Test
    void csrNarrowAndWideIndicesGiveTheSameMatrix() {
        int[] rp = {0, 2, 3};
        CsrMatrix a = CsrMatrix.fromArrays(2, 3, rp, new int[] {0, 2, 1}, new float[] {1, 2, 3});
        CsrMatrix b = CsrMatrix.fromArrays(2, 3, rp, new char[] {0, 2, 1}, new float[] {1, 2, 3});
        assertTrue(a.hasNarrowIndices());
        assertArrayEquals(a.toDense(), b.toDense());
        assertArrayEquals(new char[] {0, 2, 1}, a.narrowColumnIndices());
        assertEquals(4 * 3 + 2 * 3 + 4 * 3, a.bytes());
    }

    @Test
    void bitmask() {
        long[] bits = {0b101, 0b010};
        float[] v = {1, 2, 3};
        assertArrayEquals(new float[] {1, 0, 2, 0, 3, 0}, BitmaskMatrix.fromArrays(2, 3, bits, v).toDense());
        rejects("bitmap has 1", () -> BitmaskMatrix.fromArrays(2, 3, new long[] {1}, v));
        rejects("marks columns at or past 3", () -> BitmaskMatrix.fromArrays(2, 3, new long[] {0b1001, 0b11}, v));
        rejects("marks 3 weights but there are 2", () -> BitmaskMatrix.fromArrays(2, 3, bits, new float[2]));
        rejects("-128", () -> BitmaskMatrix.fromInt8Arrays(2, 3, bits, new byte[] {1, -128, 1}, new float[] {1, 1}));
        rejects("scales has 3", () -> BitmaskMatrix.fromInt8Arrays(2, 3, bits, new byte[3], new float[3]));
        // 64 columns use the whole word: no padding bits to check.
        long[] full = {-1L};
        assertEquals(64, BitmaskMatrix.fromArrays(1, 64, full, new float[64]).nonzeros());
    }

    /** Two 4-bit positions per byte, the even slot in the low nibble. */
    private static byte packed(int even, int odd) {
        return (byte) (even | odd << 4);
    }

    @Test
    void nm() {
        // 1 x 6 at 2:4: a full group (2 slots) then a short group of 2 columns (2 slots).
        float[] d = {0, 5, 0, 6, 7, 0};
        NmMatrix m = NmMatrix.of(d, 1, 6, 2, 4);
        assertEquals(4, m.slotsPerRow());
        assertEquals(2, m.positionBytesPerRow());
        assertArrayEquals(new byte[] {packed(1, 3), packed(0, 1)}, m.positions());
        assertArrayEquals(new float[] {5, 6, 7, 0}, m.values());
        assertEquals(4 * 4 + 2, m.bytes());
        rejects("not 2:4 sparse: row 0, columns 0..3 hold 3 nonzeros", () -> NmMatrix.of(new float[] {1, 1, 1, 0}, 1, 4, 2, 4));
        rejects("not 2:4 sparse: row 1, columns 4..6 hold 3", () -> NmMatrix.of(new float[] {0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}, 2, 7, 2, 4));
        rejects("1 <= N < M <= 16", () -> NmMatrix.of(d, 1, 6, 4, 4));
        rejects("1 <= N < M <= 16", () -> NmMatrix.of(d, 1, 6, 0, 4));
        rejects("1 <= N < M <= 16", () -> NmMatrix.of(d, 1, 6, 2, 17));
        byte[] pos = {packed(1, 3), packed(0, 1)};
        float[] v = {5, 6, 7, 0};
        assertArrayEquals(d, NmMatrix.fromArrays(1, 6, 2, 4, v, pos).toDense());
        rejects("values has 3", () -> NmMatrix.fromArrays(1, 6, 2, 4, new float[3], pos));
        rejects("positions has 3", () -> NmMatrix.fromArrays(1, 6, 2, 4, v, new byte[3]));
        rejects("outside [0, 4)", () -> NmMatrix.fromArrays(1, 6, 2, 4, v, new byte[] {packed(1, 4), packed(0, 1)}));
        rejects("outside [0, 4)", () -> NmMatrix.fromArrays(1, 6, 2, 4, v, new byte[] {packed(15, 3), packed(0, 1)}));
        rejects("outside [0, 2)", () -> NmMatrix.fromArrays(1, 6, 2, 4, v, new byte[] {packed(1, 3), packed(0, 2)}));
        rejects("strictly increasing", () -> NmMatrix.fromArrays(1, 6, 2, 4, v, new byte[] {packed(3, 1), packed(0, 1)}));
        rejects("strictly increasing", () -> NmMatrix.fromArrays(1, 6, 2, 4, v, new byte[] {packed(1, 1), packed(0, 1)}));
        rejects("scale of row 0", () -> NmMatrix.fromInt8Arrays(1, 6, 2, 4, new byte[4], pos, new float[] {Float.NaN}));
        // 3:4 on 4 columns: 3 slots, so the row's second byte has a padding nibble that must be 0.
        assertArrayEquals(new float[] {1, 0, 2, 3}, NmMatrix.fromArrays(1, 4, 3, 4, new float[] {1, 2, 3},
                new byte[] {packed(0, 2), packed(3, 0)}).toDense());
        rejects("padding", () -> NmMatrix.fromArrays(1, 4, 3, 4, new float[] {1, 2, 3}, new byte[] {packed(0, 2), packed(3, 1)}));
    }

    @Test
    void nmShortLastGroupKeepsAtMostItsLength() {
        // 4:8 with 10 columns: a full group (4 slots) and a 2-column group (2 slots, both columns).
        float[] d = {1, 0, 2, 0, 3, 0, 0, 4, 0, 5};
        NmMatrix m = NmMatrix.of(d, 1, 10, 4, 8);
        assertEquals(6, m.slotsPerRow());
        assertArrayEquals(new byte[] {packed(0, 2), packed(4, 7), packed(0, 1)}, m.positions());
        assertArrayEquals(d, m.toDense());
    }

    @Test
    void blockSparse() {
        // 3 x 3 with 2 x 2 blocks: block (0,0) and block (1,1), padded past the edge.
        float[] d = {1, 0, 0, 0, 2, 0, 0, 0, 3};
        BlockSparseMatrix m = BlockSparseMatrix.of(d, 3, 3, 2, 2);
        assertEquals(2, m.blockCount());
        assertArrayEquals(new int[] {0, 1, 2}, m.blockRowPointers());
        assertArrayEquals(new int[] {0, 1}, m.blockColumnIndices());
        assertArrayEquals(new float[] {1, 0, 0, 2, 3, 0, 0, 0}, m.values());
        int[] ptr = {0, 1, 2};
        int[] bc = {0, 1};
        float[] v = m.values();
        assertArrayEquals(d, BlockSparseMatrix.fromArrays(3, 3, 2, 2, ptr, bc, v).toDense());
        rejects("padding", () -> BlockSparseMatrix.fromArrays(3, 3, 2, 2, ptr, bc, new float[] {1, 0, 0, 2, 3, 9, 0, 0}));
        rejects("padding", () -> BlockSparseMatrix.fromArrays(3, 3, 2, 2, ptr, bc, new float[] {1, 0, 0, 2, 3, 0, 9, 0}));
        rejects("blockRowPointers has 2", () -> BlockSparseMatrix.fromArrays(3, 3, 2, 2, new int[] {0, 2}, bc, v));
        rejects("must not decrease", () -> BlockSparseMatrix.fromArrays(3, 3, 2, 2, new int[] {0, 3, 2}, bc, v));
        rejects("outside [0, 2)", () -> BlockSparseMatrix.fromArrays(3, 3, 2, 2, ptr, new int[] {0, 2}, v));
        rejects("strictly increasing", () -> BlockSparseMatrix.fromArrays(3, 3, 2, 2, new int[] {0, 2, 2}, new int[] {1, 0}, v));
        rejects("values has 7", () -> BlockSparseMatrix.fromArrays(3, 3, 2, 2, ptr, bc, new float[7]));
        rejects("block sides", () -> BlockSparseMatrix.of(d, 3, 3, 0, 2));
        rejects("block sides", () -> BlockSparseMatrix.of(d, 3, 3, 2, 257));
        rejects("padding", () -> BlockSparseMatrix.fromInt8Arrays(3, 3, 2, 2, ptr, bc, new byte[] {1, 0, 0, 2, 3, 1, 0, 0}, new float[3]));
        rejects("-128", () -> BlockSparseMatrix.fromInt8Arrays(3, 3, 2, 2, ptr, bc, new byte[] {-128, 0, 0, 0, 0, 0, 0, 0}, new float[3]));
    }

    @Test
    void accessorsAreCopies() {
        CsrMatrix m = CsrMatrix.of(new float[] {1, 0, 2}, 1, 3);
        m.values()[0] = 99;
        m.rowPointers()[1] = 99;
        assertArrayEquals(new float[] {1, 0, 2}, m.toDense());
        float[] raw = {1, 2};
        DenseMatrix d = DenseMatrix.fromArrays(1, 2, raw);
        raw[0] = 99;
        assertArrayEquals(new float[] {1, 2}, d.toDense());
    }

    @Test
    void int8MatricesHaveNoFp32ValuesAndViceVersa() {
        float[] d = {1, 0, 2, 0};
        for (String f : new String[] {"dense", "csr", "bitmask", "2:4", "block2x2"}) {
            WeightMatrix fp = WeightFormats.encode(f, d, 2, 2, false), q = WeightFormats.encode(f, d, 2, 2, true);
            assertTrue(q.format().endsWith("-int8"), q.format());
            assertThrows(IllegalStateException.class, () -> valuesOf(q), f);
            assertThrows(IllegalStateException.class, () -> scalesOf(fp), f);
        }
    }

    private static Object valuesOf(WeightMatrix w) {
        return switch (w) {
            case DenseMatrix m -> m.values();
            case CsrMatrix m -> m.values();
            case BitmaskMatrix m -> m.values();
            case NmMatrix m -> m.values();
            case BlockSparseMatrix m -> m.values();
            default -> null;
        };
    }

    private static Object scalesOf(WeightMatrix w) {
        return switch (w) {
            case DenseMatrix m -> m.scales();
            case CsrMatrix m -> m.scales();
            case BitmaskMatrix m -> m.scales();
            case NmMatrix m -> m.scales();
            case BlockSparseMatrix m -> m.scales();
            default -> null;
        };
    }
}
