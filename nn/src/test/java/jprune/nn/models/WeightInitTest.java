package jprune.nn.models;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import org.junit.jupiter.api.Test;

class WeightInitTest {
    @Test
    void glorotNormalDrawsEachLayerWithItsOwnStdAndZeroBiases() {
        ModelConfig c = Models.defaultConfig("lenet-300-100");
        Module m = WeightInit.GLOROT_NORMAL.build(c, 3);
        Map<String, int[]> fans = Map.of("fc1.weight", new int[] {784, 300}, "fc2.weight", new int[] {300, 100}, "fc3.weight", new int[] {100, 10});
        for (var e : fans.entrySet()) {
            float[] w = m.namedParameters().get(e.getKey()).value().data();
            double sum = 0, sq = 0;
            for (float v : w) {
                sum += v;
                sq += v * (double) v;
            }
            double mean = sum / w.length, std = Math.sqrt(sq / w.length - mean * mean);
            double want = Math.sqrt(2.0 / (e.getValue()[0] + e.getValue()[1]));
            // 1,000 draws for fc3 give a std within ~5% (3 standard errors); the big layers far closer.
            assertEquals(want, std, want * (w.length < 5000 ? 0.07 : 0.02), e.getKey() + " std");
            assertEquals(0, mean, 4 * want / Math.sqrt(w.length), e.getKey() + " mean");
        }
        for (String b : new String[] {"fc1.bias", "fc2.bias", "fc3.bias"})
            for (float v : m.namedParameters().get(b).value().data()) assertEquals(0f, v, b);
    }

    @Test
    void theSameSeedGivesTheSameWeightsAndAnotherSeedOthers() {
        ModelConfig c = Models.defaultConfig("lenet-300-100");
        Parameter a = WeightInit.GLOROT_NORMAL.build(c, 3).namedParameters().get("fc2.weight");
        Parameter b = WeightInit.GLOROT_NORMAL.build(c, 3).namedParameters().get("fc2.weight");
        Parameter d = WeightInit.GLOROT_NORMAL.build(c, 4).namedParameters().get("fc2.weight");
        Parameter model = WeightInit.MODEL.build(c, 3).namedParameters().get("fc2.weight");
        assertArrayEquals(a.value().data(), b.value().data());
        assertFalse(java.util.Arrays.equals(a.value().data(), d.value().data()));
        assertFalse(java.util.Arrays.equals(a.value().data(), model.value().data()));
        assertArrayEquals(Models.build(c, 3).namedParameters().get("fc2.weight").value().data(), model.value().data(), "model: the layers' own initialisers");
    }

    @Test
    void kernelsCountTheirReceptiveFieldInBothFans() {
        Module m = WeightInit.GLOROT_NORMAL.build(Models.defaultConfig("lenet-5"), 1);
        float[] w = m.namedParameters().get("conv2.weight").value().data(); // [16, 6, 5, 5]
        double sq = 0;
        for (float v : w) sq += v * (double) v;
        double want = Math.sqrt(2.0 / (6 * 25 + 16 * 25));
        assertEquals(want, Math.sqrt(sq / w.length), want * 0.07);
        assertEquals("glorot-normal", WeightInit.parse("glorot-normal").id());
        assertThrows(IllegalArgumentException.class, () -> WeightInit.parse("he"));
    }
}
