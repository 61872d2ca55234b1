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
 * <p>Defaults to the hardware's preferred width. {@code -Djprune.formats.bits=256} (or 128) forces
 * narrower vectors, to compare widths on one machine and to run the tests through the code paths an
 * AVX2 (or NEON) machine takes.
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

    /** Lane j ↔ lane j ^ h, the steps of {@link #sum}'s pairwise tree (null where wider than the vector). */
    private static final VectorShuffle<Float> SWAP8 = swap(8), SWAP4 = swap(4), SWAP2 = swap(2), SWAP1 = swap(1);

    private static VectorShuffle<Float> swap(int h) {
        return h < L ? VectorShuffle.fromOp(F, j -> j ^ h) : null;
    }

    /**
     * The sum of v's lanes in one fixed pairwise order. reduceLanes(ADD) on floats may add in any
     * order, and the JIT's intrinsic and the interpreter's fallback do differ, so a row's result
     * would depend on whether its kernel was compiled yet; this keeps products bit-identical from
     * call to call (and for any thread count). Unrolled on constants: a loop over an array of
     * shuffles was left as a loop inside the larger kernels and boxed its vectors (5× slower CSR).
     */
    static float sum(FloatVector v) {
        if (L > 8) v = v.add(v.rearrange(SWAP8));
        if (L > 4) v = v.add(v.rearrange(SWAP4));
        if (L > 2) v = v.add(v.rearrange(SWAP2));
        if (L > 1) v = v.add(v.rearrange(SWAP1));
        return v.lane(0);
    }

    private static VectorSpecies<Float> pick() {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int bits = Integer.getInteger("jprune.formats.bits", preferred);
        if (bits == 256 && preferred >= 256) return FloatVector.SPECIES_256;
        if (bits == 128 && preferred >= 128) return FloatVector.SPECIES_128;
        return FloatVector.SPECIES_PREFERRED;
    }
}
