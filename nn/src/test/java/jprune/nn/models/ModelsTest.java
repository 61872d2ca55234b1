package jprune.nn.models;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Losses;
import jprune.nn.autograd.Variable;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ModelsTest {
    static Tensor images(int n) {
        return Tensor.uniform(new Rng(3), 0f, 1f, n, 1, 28, 28);
    }

    @Test
    void everyReferenceModelMapsImagesToTenLogitsAndBackpropagates() {
        for (String name : Models.NAMES) {
            Module m = Models.build(Models.defaultConfig(name), 1);
            Variable logits = m.forward(Variable.constant(images(3)));
            assertArrayEquals(new int[] {3, 10}, logits.shape(), name);
            Losses.crossEntropy(logits, new int[] {0, 5, 9}, 0f).backward();
            m.namedParameters().forEach((n, p) -> assertNotNull(p.grad(), name + ": no gradient reached " + n));
        }
    }

    @Test
    void parameterNamesAreStableDottedPaths() {
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"),
                List.copyOf(Models.build(Models.defaultConfig("lenet-300-100"), 0).namedParameters().keySet()));
        Map<String, ?> conv = Models.build(Models.defaultConfig("convnet"), 0).stateDict();
        assertTrue(conv.containsKey("features.0.weight"));
        assertTrue(conv.containsKey("features.1.running_mean"));
        assertTrue(conv.containsKey("classifier.1.weight"));
        Map<String, ?> vit = Models.build(Models.defaultConfig("vit-tiny"), 0).namedParameters();
        assertTrue(vit.containsKey("blocks.0.attn.query.weight"));
        assertTrue(vit.containsKey("blocks.3.mlp.fc2.bias"));
        assertTrue(vit.containsKey("cls_token"));
    }

    @Test
    void parameterCountsMatchTheArchitectures() {
        assertEquals(784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10,
                Models.build(Models.defaultConfig("lenet-300-100"), 0).parameterCount());
        assertEquals(6 * 25 + 6 + 16 * 150 + 16 + 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10,
                Models.build(Models.defaultConfig("lenet-5"), 0).parameterCount());
    }

    @Test
    void sameSeedSameWeightsAndStateDictRoundTrips() {
        Module a = Models.build(Models.defaultConfig("lenet-5"), 7), b = Models.build(Models.defaultConfig("lenet-5"), 7);
        a.stateDict().forEach((k, t) -> assertArrayEquals(t.data(), b.stateDict().get(k).data(), k));
        Module c = Models.build(Models.defaultConfig("lenet-5"), 8);
        c.loadStateDict(a.stateDict(), k -> false);
        try (var g = GradMode.noGrad()) {
            assertArrayEquals(a.forward(Variable.constant(images(2))).value().data(), c.forward(Variable.constant(images(2))).value().data());
        }
    }

    @Test
    void loadingAMismatchedStateDictNamesTheTensor() {
        Module small = Models.build(Models.defaultConfig("lenet-300-100").with("hidden", List.of(30L, 10L)), 0);
        Module big = Models.build(Models.defaultConfig("lenet-300-100"), 0);
        var e = assertThrows(IllegalArgumentException.class, () -> big.loadStateDict(small.stateDict(), k -> false));
        assertTrue(e.getMessage().contains("fc1.weight"), e.getMessage());
    }

    @Test
    void unknownModelNamesTheChoices() {
        var e = assertThrows(IllegalArgumentException.class, () -> Models.defaultConfig("resnet"));
        assertTrue(e.getMessage().contains("lenet-5"));
    }

    /** Inference takes fused paths (token sequence, attention); the recorded forward the differentiable ops: same bits. */
    @Test
    void vitLogitsWithoutAGraphEqualTheRecordedForward() {
        Module vit = Models.build(Models.defaultConfig("vit-tiny"), 3);
        vit.train(false);
        Tensor x = images(5);
        Variable recorded = vit.forward(Variable.constant(x));
        assertTrue(recorded.requiresGrad(), "the reference must record a graph");
        try (var g = GradMode.noGrad()) {
            assertArrayEquals(recorded.value().data(), vit.forward(Variable.constant(x)).value().data());
        }
    }
}
