package jprune.deploy.format;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShape;
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

    /**
     * The sum of a vector's lanes, stored in lanes[0..L), in one fixed pairwise order (overwrites
     * lanes). reduceLanes(ADD) on floats may add in any order, and the JIT's intrinsic and the
     * interpreter's fallback do differ, so a row's result would depend on whether its kernel was
     * compiled yet; this keeps products bit-identical from call to call and for any thread count.
     *
     * <p>Kernels store their accumulator with intoArray (an intrinsic of the vector itself) and call
     * this with the array. A helper taking the vector would have to be inlined to keep the vector in
     * a register, and C2 declines to inline into large kernels depending on what else has run
     * ("callee is too large", "NodeCountInliningCutoff"): measured, CSR batch 1 then took 1.3-1.5 ms
     * instead of 0.55 whenever other formats had run in the same JVM. No kernel passes a vector to,
     * or returns one from, a method of ours.
     */
    static float sum(float[] lanes) {
        for (int h = L / 2; h > 0; h /= 2) {
            for (int i = 0; i < h; i++) lanes[i] += lanes[i + h];
        }
        return lanes[0];
    }

    private static VectorSpecies<Float> pick() {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int bits = Integer.getInteger("jprune.formats.bits", preferred);
        if (bits == 256 && preferred >= 256) return FloatVector.SPECIES_256;
        if (bits == 128 && preferred >= 128) return FloatVector.SPECIES_128;
        return FloatVector.SPECIES_PREFERRED;
    }
}
