package jprune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class FloatExpTest {
    private static final float[] EDGES = {0f, -0f, 1f, -1f, 1e-30f, -1e-30f, Float.MIN_VALUE, 0.34657359f, -0.34657359f,
        -87.33654f, -87.33655f, -87.4f, -100f, -104f, 88.72283f, 88.72284f, 88.5f, 89f, 1000f, -1000f,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MAX_VALUE, -Float.MAX_VALUE};

    @Test
    void vectorLanesEqualTheScalarFunctionBitForBit() {
        Rng rng = new Rng(3);
        int l = VectorPolicy.LANES;
        float[] x = new float[l * 4096 + EDGES.length];
        for (int i = 0; i < l * 4096; i++) x[i] = (rng.nextFloat() * 2 - 1) * 100;
        System.arraycopy(EDGES, 0, x, l * 4096, EDGES.length);
        float[] lanes = new float[l];
        for (int i = 0; i + l <= x.length; i += l) {
            FloatExp.exp(FloatVector.fromArray(VectorPolicy.FLOATS, x, i)).intoArray(lanes, 0);
            for (int j = 0; j < l; j++) {
                float s = FloatExp.exp(x[i + j]);
                assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(lanes[j]), "exp(" + x[i + j] + ")");
            }
        }
    }

    @Test
    void withinTwoUlpsOfTheTrueValueAcrossTheNormalRange() {
        int worst = 0;
        for (float x = -87.33f; x < 88.72f; x += 0.0137f) {
            double exact = Math.exp(x);
            float got = FloatExp.exp(x);
            int ulps = Math.abs(Float.floatToIntBits(got) - Float.floatToIntBits((float) exact));
            worst = Math.max(worst, ulps);
        }
        assertTrue(worst <= 2, "worst error " + worst + " ulp");
    }

    @Test
    void edgesFollowTheContract() {
        assertEquals(1f, FloatExp.exp(0f));
        assertEquals(1f, FloatExp.exp(-0f));
        assertEquals(0f, FloatExp.exp(-100f));
        assertEquals(0f, FloatExp.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, FloatExp.exp(89f));
        assertEquals(Float.POSITIVE_INFINITY, FloatExp.exp(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(FloatExp.exp(Float.NaN)));
        float nearTop = FloatExp.exp(88.72283f);
        assertTrue(Float.isFinite(nearTop) && nearTop > 3.4e38f, "exp(88.72283) = " + nearTop);
    }
}
