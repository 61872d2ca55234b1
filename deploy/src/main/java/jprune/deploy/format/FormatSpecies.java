package jprune.deploy.format;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes the format kernels share: a float species, the int species of the same shape
 * (indices, permutes) and the byte species with as many lanes (one int8 weight per float lane).
 *
 * <p>Defaults to the hardware's preferred width. {@code -Djprune.formats.bits=256} forces 256-bit
 * vectors on an AVX-512 machine so the two can be compared.
 */
final class FormatSpecies {
    private FormatSpecies() {}

    static final VectorSpecies<Float> F = pick();
    static final int L = F.length();
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    /**
     * One byte per float lane. Needs at least 8 lanes (the narrowest byte vector is 64 bits); on
     * narrower hardware the int8 kernels fall back to their scalar loops.
     */
    static final boolean INT8_VECTORS = L >= 8;
    static final VectorSpecies<Byte> B = INT8_VECTORS
            ? ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(L * 8)) : null;

    /** Lane i ↔ lane i ^ h for h = L/2, L/4, …, 1: the steps of {@link #sum}'s pairwise tree. */
    private static final VectorShuffle<Float>[] HALVES = halves();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] halves() {
        int steps = Integer.numberOfTrailingZeros(L);
        VectorShuffle<Float>[] s = (VectorShuffle<Float>[]) new VectorShuffle<?>[steps];
        for (int i = 0, h = L / 2; i < steps; i++, h /= 2) {
            int half = h;
            s[i] = VectorShuffle.fromOp(F, j -> j ^ half);
        }
        return s;
    }

    /**
     * The sum of v's lanes in one fixed pairwise order. reduceLanes(ADD) on floats may add in any
     * order, and the JIT's intrinsic and the interpreter's fallback do differ, so a row's result
     * would depend on whether its kernel was compiled yet; this keeps products bit-identical from
     * call to call (and for any thread count) at the cost of a few shuffles per row.
     */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> s : HALVES) v = v.add(v.rearrange(s));
        return v.lane(0);
    }

    private static VectorSpecies<Float> pick() {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int bits = Integer.getInteger("jprune.formats.bits", preferred);
        if (bits == 256 && preferred >= 256) return FloatVector.SPECIES_256;
        return FloatVector.SPECIES_PREFERRED;
    }
}
