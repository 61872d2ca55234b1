package jprune.deploy.format;

import static jprune.deploy.format.FormatSpecies.F;
import static jprune.deploy.format.FormatSpecies.L;
import static org.junit.jupiter.api.Assertions.assertEquals;

import jdk.incubator.vector.FloatVector;
import jprune.tensor.Rng;
import jprune.tensor.VectorPolicy;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The lane sum folded in registers (FormatSpecies.FOLD_h) adds exactly what the stored-lanes sum
 * adds, in the same order: bit-identical on values whose sum depends on the order (wide exponent
 * range, cancellation), at the width this run's vector policy sets.
 */
class LaneFoldTest {
    @Test
    void foldingInRegistersEqualsTheStoredLaneSumBitForBit() {
        Assumptions.assumeFalse(VectorPolicy.SCALAR, "no vectors at the scalar policy");
        Rng rng = new Rng(11);
        float[] lanes = new float[L], copy = new float[L];
        int orderMatters = 0;
        for (int trial = 0; trial < 10_000; trial++) {
            for (int i = 0; i < L; i++) lanes[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(13) - 6));
            FloatVector a = FloatVector.fromArray(F, lanes, 0);
            if (FormatSpecies.FOLD_8 != null) a = a.add(a.rearrange(FormatSpecies.FOLD_8));
            if (FormatSpecies.FOLD_4 != null) a = a.add(a.rearrange(FormatSpecies.FOLD_4));
            a = a.add(a.rearrange(FormatSpecies.FOLD_2));
            a = a.add(a.rearrange(FormatSpecies.FOLD_1));
            System.arraycopy(lanes, 0, copy, 0, L);
            float expected = FormatSpecies.sum(copy);
            float sequential = 0;
            for (float v : lanes) sequential += v;
            if (sequential != expected) orderMatters++;
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(a.lane(0)), "trial " + trial);
        }
        Assertions.assertTrue(orderMatters > 100, "the values must make the order visible (" + orderMatters + " of 10000 did)");
    }
}
