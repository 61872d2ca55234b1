package jprune.tensor;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one place that decides how wide jprune's vectors are, for every kernel in every module, and
 * how a vector's lanes are summed.
 *
 * <p>The width comes from the system property {@value #PROPERTY} (or the environment variable
 * {@code JPRUNE_VECTOR}): {@code preferred} (the default: the hardware's widest), {@code 512},
 * {@code 256}, {@code 128} or {@code scalar}. A width wider than the hardware's is allowed and
 * computes the same results, only slowly (the Vector API emulates it); it exists so that the paths
 * an AVX-512, AVX2 or NEON machine takes can all be tested on one machine. In scalar mode
 * {@link #loopBound} is 0, so every kernel written in the usual shape (full vectors up to the loop
 * bound, then a scalar tail) runs its scalar tail over the whole range; kernels of another shape
 * test {@link #SCALAR} and call their scalar reference.
 *
 * <p>Lane sums: {@code reduceLanes(ADD)} on floats may add the lanes in any order, and the JIT's
 * intrinsic and the interpreter's fallback do differ, so a result would depend on whether its
 * kernel had been compiled yet. Kernels instead store the accumulator with {@code intoArray} and
 * call {@link #laneSum(float[])}, which adds in one fixed pairwise order.
 */
public final class VectorPolicy {
    /** The system property that sets the width. */
    public static final String PROPERTY = "jprune.vector";
    /** The values {@value #PROPERTY} accepts. */
    public static final String ALLOWED = "preferred, 512, 256, 128, scalar";

    /** Bits per vector, or 0 in scalar mode. */
    public static final int BITS = bits(setting());
    /** True when kernels must not use vectors at all. */
    public static final boolean SCALAR = BITS == 0;
    /**
     * The float species every kernel uses. In scalar mode a 128-bit species that no kernel loop
     * reaches (its loop bound is 0); it only keeps array paddings and shapes well defined.
     */
    public static final VectorSpecies<Float> FLOATS = species(SCALAR ? 128 : BITS);
    /** Lanes of {@link #FLOATS}. */
    public static final int LANES = FLOATS.length();

    private VectorPolicy() {}

    /** The end of the whole-vector part of a loop over n elements: 0 in scalar mode. */
    public static int loopBound(int n) {
        return SCALAR ? 0 : FLOATS.loopBound(n);
    }

    /**
     * The sum of lanes[0..LANES) in a fixed pairwise order (lanes[i] + lanes[i + LANES/2], and so
     * on down to one). The same order at every call, in interpreted and in compiled code, on every
     * thread.
     *
     * <p>At 4, 8 and 16 lanes the partial sums stay in locals. Adding in place in the array, as the
     * general loop does, made each level wait for the stores of the one before, about 12 ns a call
     * on a Zen 5 EPYC, which a kernel that sums every row pays once per row: the dense int8
     * matrix-vector product of 100×300 on one thread took 4.6 µs, and 3.4 µs with the sums in
     * locals. The additions and their order are the same, so the result is the same bits.
     */
    public static float laneSum(float[] lanes) {
        return switch (LANES) {
            case 16 -> laneSum16(lanes);
            case 8 -> laneSum8(lanes);
            case 4 -> (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
            default -> laneSumInPlace(lanes);
        };
    }

    private static float laneSum16(float[] l) {
        float a0 = l[0] + l[8], a1 = l[1] + l[9], a2 = l[2] + l[10], a3 = l[3] + l[11];
        float a4 = l[4] + l[12], a5 = l[5] + l[13], a6 = l[6] + l[14], a7 = l[7] + l[15];
        float b0 = a0 + a4, b1 = a1 + a5, b2 = a2 + a6, b3 = a3 + a7;
        return (b0 + b2) + (b1 + b3);
    }

    private static float laneSum8(float[] l) {
        float a0 = l[0] + l[4], a1 = l[1] + l[5], a2 = l[2] + l[6], a3 = l[3] + l[7];
        return (a0 + a2) + (a1 + a3);
    }

    /** {@link #laneSum} at any width, overwriting the array: the reference the unrolled forms follow. */
    static float laneSumInPlace(float[] lanes) {
        for (int h = LANES / 2; h > 0; h /= 2) {
            for (int i = 0; i < h; i++) lanes[i] += lanes[i + h];
        }
        return lanes[0];
    }

    /**
     * {@link #laneSum} kept in registers, for a kernel to write out inline (never in a helper taking
     * the vector: C2 may decline to inline it into a large kernel, and the vector is then boxed):
     * {@code a = a.add(a.rearrange(FOLD_h))} for h = LANES/2 down to 1, skipping the null ones, then
     * {@code a.lane(0)}. Step h adds lane i + h to lane i for i < h: exactly laneSum's additions in
     * its order, so the result is bit-identical (lanes ≥ h then hold values nobody reads).
     */
    public static final VectorShuffle<Float> FOLD_8 = fold(8), FOLD_4 = fold(4), FOLD_2 = fold(2), FOLD_1 = fold(1);

    private static VectorShuffle<Float> fold(int h) {
        return SCALAR || LANES <= h ? null : VectorShuffle.fromOp(FLOATS, i -> (i + h) & (LANES - 1));
    }

    /** A one-line description for reports, e.g. "512-bit (16 floats)" or "scalar". */
    public static String describe() {
        if (SCALAR) return "scalar";
        int hardware = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        return BITS + "-bit (" + LANES + " floats)" + (BITS > hardware ? ", emulated: the hardware has " + hardware : "");
    }

    private static String setting() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) p = System.getenv("JPRUNE_VECTOR");
        return p == null || p.isBlank() ? "preferred" : p.trim().toLowerCase(Locale.ROOT);
    }

    /** Bits for a setting; an unknown value is an error naming the allowed ones. */
    static int bits(String setting) {
        return switch (setting) {
            case "preferred" -> Math.max(128, FloatVector.SPECIES_PREFERRED.vectorBitSize());
            case "512" -> 512;
            case "256" -> 256;
            case "128" -> 128;
            case "scalar" -> 0;
            default -> throw new IllegalArgumentException(
                    PROPERTY + "=" + setting + " is not a vector width; allowed: " + ALLOWED);
        };
    }

    private static VectorSpecies<Float> species(int bits) {
        return FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(bits));
    }
}
