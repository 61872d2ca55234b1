package jprune.deploy.format;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import jprune.tensor.VectorPolicy;

/**
 * The vector shapes the format kernels share, all derived from {@link VectorPolicy}: its float
 * species, the int species of the same shape (indices, permutes) and the byte species with as many
 * lanes (one int8 weight per float lane). Under the scalar policy the matrices call
 * {@link ScalarProducts} instead of these kernels.
 */
final class FormatSpecies {
    private FormatSpecies() {}

    static final VectorSpecies<Float> F = VectorPolicy.FLOATS;
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
     * {@link VectorPolicy#laneSum}: the lanes, stored in lanes[0..L), added in one fixed order.
     *
     * <p>Kernels store their accumulator with intoArray (an intrinsic of the vector itself) and call
     * this with the array. A helper taking the vector would have to be inlined to keep the vector in
     * a register, and C2 declines to inline into large kernels depending on what else has run
     * ("callee is too large", "NodeCountInliningCutoff"): measured, CSR batch 1 then took 1.3-1.5 ms
     * instead of 0.55 whenever other formats had run in the same JVM. No kernel passes a vector to,
     * or returns one from, a method of ours.
     */
    static float sum(float[] lanes) {
        return VectorPolicy.laneSum(lanes);
    }

    /** {@link VectorPolicy#FOLD_8} and the rest: {@link #sum} in registers, written out inline in a kernel. */
    static final VectorShuffle<Float> FOLD_8 = VectorPolicy.FOLD_8, FOLD_4 = VectorPolicy.FOLD_4, FOLD_2 = VectorPolicy.FOLD_2,
            FOLD_1 = VectorPolicy.FOLD_1;
}
