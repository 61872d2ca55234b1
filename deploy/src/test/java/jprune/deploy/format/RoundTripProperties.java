package jprune.deploy.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jprune.tensor.Rng;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/**
 * Round trips: dense → format → dense is exact for fp32 (up to the sign of zero) and equals the
 * independently computed dequantized matrix for int8; the raw arrays a matrix exposes rebuild an
 * identical matrix through the validating factory (what a file reader does).
 */
class RoundTripProperties {
    @Provide
    Arbitrary<String> formats() {
        return Arbitraries.of("dense", "csr", "bitmask", "sell", "2:4", "4:8", "1:3", "7:16", "block1x1", "block4x4", "block3x5",
                "block2x8", "block16x1");
    }

    @Property(tries = 300)
    void fp32RoundTripIsExact(@ForAll("formats") String format, @ForAll @IntRange(max = 40) int rows,
                              @ForAll @IntRange(max = 90) int cols, @ForAll @DoubleRange(max = 1) double density,
                              @ForAll long seed) {
        float[] d = Fixtures.forFormat(new Rng(seed), format, rows, cols, density);
        WeightMatrix w = WeightFormats.encode(format, d, rows, cols, false);
        Fixtures.assertSameValues(w.toDense(), d, w.format());
        if (!rebuildable(w)) return;
        Fixtures.assertSameValues(rebuild(w).toDense(), d, w.format() + " rebuilt from its arrays");
        assertEquals(format.startsWith("dense") ? (long) rows * cols : w.nonzeros(), rebuild(w).nonzeros());
    }

    @Property(tries = 300)
    void int8RoundTripEqualsDequantizedValues(@ForAll("formats") String format, @ForAll @IntRange(max = 40) int rows,
                                              @ForAll @IntRange(max = 90) int cols, @ForAll @DoubleRange(max = 1) double density,
                                              @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] d = Fixtures.forFormat(rng, format, rows, cols, density);
        // Magnitudes over several decades, so some weights round to zero and rows differ in scale.
        for (int i = 0; i < d.length; i++) d[i] *= (float) Math.pow(10, rng.nextInt(5) - 2);
        WeightMatrix w = WeightFormats.encode(format, d, rows, cols, true);
        float[] want = Fixtures.dequantized(d, rows, cols);
        Fixtures.assertSameValues(w.toDense(), want, w.format());
        if (rebuildable(w)) Fixtures.assertSameValues(rebuild(w).toDense(), want, w.format() + " rebuilt from its arrays");
    }

    @Property(tries = 100)
    void nonFiniteWeightsSurviveFp32SparseRoundTrips(@ForAll @IntRange(min = 1, max = 20) int rows,
                                                    @ForAll @IntRange(min = 1, max = 20) int cols, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] d = Fixtures.random(rng, rows, cols, 0.3);
        d[rng.nextInt(d.length)] = Float.NaN;
        d[rng.nextInt(d.length)] = Float.NEGATIVE_INFINITY;
        for (String f : new String[] {"dense", "csr", "bitmask", "block2x2"}) {
            Fixtures.assertSameValues(WeightFormats.encode(f, d, rows, cols, false).toDense(), d, f);
        }
    }

    /**
     * Sliced ELL has no raw-array factory: its layout depends on the machine's vector width, so a file
     * stores the positions and values, and the layout is built from them (as from a dense array).
     */
    static boolean rebuildable(WeightMatrix w) {
        return !(w instanceof SlicedEllMatrix);
    }

    /** The matrix rebuilt from its public raw-array accessors through the validating factories. */
    static WeightMatrix rebuild(WeightMatrix w) {
        int rows = w.rows(), cols = w.cols();
        return switch (w) {
            case DenseMatrix m -> m.isInt8() ? DenseMatrix.fromInt8Arrays(rows, cols, m.quantized(), m.scales())
                    : DenseMatrix.fromArrays(rows, cols, m.values());
            case CsrMatrix m -> m.isInt8()
                    ? (m.hasNarrowIndices()
                        ? CsrMatrix.fromInt8Arrays(rows, cols, m.rowPointers(), m.narrowColumnIndices(), m.quantized(), m.scales())
                        : CsrMatrix.fromInt8Arrays(rows, cols, m.rowPointers(), m.columnIndices(), m.quantized(), m.scales()))
                    : CsrMatrix.fromArrays(rows, cols, m.rowPointers(), m.columnIndices(), m.values());
            case BitmaskMatrix m -> m.isInt8() ? BitmaskMatrix.fromInt8Arrays(rows, cols, m.bitmap(), m.quantized(), m.scales())
                    : BitmaskMatrix.fromArrays(rows, cols, m.bitmap(), m.values());
            case NmMatrix m -> m.isInt8()
                    ? NmMatrix.fromInt8Arrays(rows, cols, m.n(), m.m(), m.quantized(), m.positions(), m.scales())
                    : NmMatrix.fromArrays(rows, cols, m.n(), m.m(), m.values(), m.positions());
            case BlockSparseMatrix m -> m.isInt8()
                    ? BlockSparseMatrix.fromInt8Arrays(rows, cols, m.blockRows(), m.blockCols(), m.blockRowPointers(),
                        m.blockColumnIndices(), m.quantized(), m.scales())
                    : BlockSparseMatrix.fromArrays(rows, cols, m.blockRows(), m.blockCols(), m.blockRowPointers(),
                        m.blockColumnIndices(), m.values());
            default -> throw new IllegalArgumentException(w.getClass().toString());
        };
    }
}
