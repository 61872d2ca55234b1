package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * e^x in float, computed the same way in vector lanes and in scalar code, so that a kernel's
 * vector body and its scalar tail agree bit for bit whatever the vector width.
 *
 * <p>{@code lanewise(EXP)} is not used because its result depends on how the code runs: compiled,
 * it calls the platform's vector math library; interpreted, it calls {@link Math#exp} per lane; the
 * two differ in the last bit, which made training depend on JIT timing. This uses only operations
 * IEEE 754 defines exactly (fused multiply-add, add, multiply, integer shifts): Cody-Waite range
 * reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 Taylor polynomial for e^r (error under 2 ulp
 * against the correctly rounded result), and 2^n applied in two halves so no step overflows early.
 * Below ln(FLT_MIN) ≈ −87.34 it returns 0 (no subnormal results), above ln(FLT_MAX) ≈ 88.72
 * infinity; NaN stays NaN.
 */
public final class FloatExp {
    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split so that n·LN2_HI is exact for |n| ≤ 256. */
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.42860682030941723e-6f;
    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer, kept in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    private static final float LO = -87.33654f, HI = 88.72283f;
    private static final float C2 = 1 / 2f, C3 = 1 / 6f, C4 = 1 / 24f, C5 = 1 / 120f, C6 = 1 / 720f, C7 = 1 / 5040f;

    private FloatExp() {}

    /** e^x; the scalar twin of {@link #exp(FloatVector)}, operation for operation. */
    public static float exp(float x) {
        float c = Math.min(Math.max(x, LO), HI);
        float t = Math.fma(c, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, c);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(C7, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int k = Float.floatToRawIntBits(t) - ROUND_BITS;
        int k1 = k >> 1, k2 = k - k1;
        float y = p * Float.intBitsToFloat((k1 + 127) << 23) * Float.intBitsToFloat((k2 + 127) << 23);
        if (x < LO) return 0f;
        if (x > HI) return Float.POSITIVE_INFINITY;
        return y;
    }

    /** e^x lane by lane; see {@link #exp(float)}. */
    public static FloatVector exp(FloatVector x) {
        var species = x.species();
        FloatVector one = FloatVector.broadcast(species, 1f);
        FloatVector c = x.max(LO).min(HI);
        FloatVector t = c.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(species, -LN2_HI), c);
        r = n.fma(FloatVector.broadcast(species, -LN2_LO), r);
        FloatVector p = r.fma(C7, C6);
        p = p.fma(r, FloatVector.broadcast(species, C5));
        p = p.fma(r, FloatVector.broadcast(species, C4));
        p = p.fma(r, FloatVector.broadcast(species, C3));
        p = p.fma(r, FloatVector.broadcast(species, C2));
        p = p.fma(r, one);
        p = p.fma(r, one);
        IntVector k = ((IntVector) t.reinterpretAsInts()).sub(ROUND_BITS);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1), k2 = k.sub(k1);
        FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector y = p.mul(s1).mul(s2);
        y = y.blend(0f, x.compare(VectorOperators.LT, LO));
        return y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, HI));
    }
}
