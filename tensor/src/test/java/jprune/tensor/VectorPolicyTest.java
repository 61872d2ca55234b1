package jprune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class VectorPolicyTest {
    @Test
    void acceptsTheDocumentedWidthsAndNamesThemWhenWrong() {
        assertEquals(512, VectorPolicy.bits("512"));
        assertEquals(256, VectorPolicy.bits("256"));
        assertEquals(128, VectorPolicy.bits("128"));
        assertEquals(0, VectorPolicy.bits("scalar"));
        assertTrue(VectorPolicy.bits("preferred") >= 128);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorPolicy.bits("1024"));
        assertTrue(e.getMessage().contains("jprune.vector=1024") && e.getMessage().contains(VectorPolicy.ALLOWED), e.getMessage());
    }

    @Test
    void theSettingInForceIsTheOneAsked() {
        String asked = System.getProperty(VectorPolicy.PROPERTY, "preferred");
        assertEquals(VectorPolicy.bits(asked), VectorPolicy.BITS, VectorPolicy.describe());
        assertEquals(asked.equals("scalar"), VectorPolicy.SCALAR);
        if (!VectorPolicy.SCALAR) assertEquals(VectorPolicy.BITS / 32, VectorPolicy.LANES);
        assertEquals(VectorPolicy.SCALAR ? 0 : VectorPolicy.LANES, VectorPolicy.loopBound(VectorPolicy.LANES + 1));
    }

    @Test
    void laneSumAddsInTheDocumentedPairwiseOrder() {
        int l = VectorPolicy.LANES;
        // Values whose float sum depends on the order: big terms that cancel, small ones in between.
        float[] lanes = new float[l], model = new float[l];
        for (int i = 0; i < l; i++) lanes[i] = model[i] = (i % 3 == 0 ? 1e8f : 1f) * (i % 2 == 0 ? 1 : -1) + i * 0.37f;
        for (int h = l / 2; h > 0; h /= 2) {
            float[] next = model.clone();
            for (int i = 0; i < h; i++) next[i] = model[i] + model[i + h];
            model = next;
        }
        assertEquals(Float.floatToRawIntBits(model[0]), Float.floatToRawIntBits(VectorPolicy.laneSum(lanes)));
    }

    @Test
    void theUnrolledLaneSumGivesTheBitsOfTheInPlaceLoop() {
        Rng rng = new Rng(17);
        for (int trial = 0; trial < 2000; trial++) {
            float[] lanes = new float[VectorPolicy.LANES];
            for (int i = 0; i < lanes.length; i++) lanes[i] = (rng.nextFloat() - 0.5f) * (float) Math.pow(10, (trial + i) % 9);
            float[] reference = lanes.clone();
            float sum = VectorPolicy.laneSum(lanes);
            assertEquals(Float.floatToRawIntBits(VectorPolicy.laneSumInPlace(reference)), Float.floatToRawIntBits(sum), "trial " + trial);
        }
    }

    @Test
    void foldingInRegistersAddsWhatLaneSumAdds() {
        if (VectorPolicy.SCALAR) return;
        Rng rng = new Rng(61);
        for (int trial = 0; trial < 200; trial++) {
            float[] lanes = new float[VectorPolicy.LANES];
            for (int i = 0; i < lanes.length; i++) lanes[i] = (rng.nextFloat() - 0.5f) * (i % 3 == 0 ? 1e7f : 1f);
            jdk.incubator.vector.FloatVector a = jdk.incubator.vector.FloatVector.fromArray(VectorPolicy.FLOATS, lanes, 0);
            if (VectorPolicy.FOLD_8 != null) a = a.add(a.rearrange(VectorPolicy.FOLD_8));
            if (VectorPolicy.FOLD_4 != null) a = a.add(a.rearrange(VectorPolicy.FOLD_4));
            if (VectorPolicy.FOLD_2 != null) a = a.add(a.rearrange(VectorPolicy.FOLD_2));
            if (VectorPolicy.FOLD_1 != null) a = a.add(a.rearrange(VectorPolicy.FOLD_1));
            assertEquals(Float.floatToRawIntBits(VectorPolicy.laneSum(lanes)), Float.floatToRawIntBits(a.lane(0)));
        }
    }
}
