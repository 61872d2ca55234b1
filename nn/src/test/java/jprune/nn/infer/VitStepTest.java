package jprune.nn.infer;

import static jprune.nn.infer.InferencePlanTest.forward;
import static jprune.nn.infer.InferencePlanTest.images;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import jprune.nn.Parameter;
import jprune.nn.models.Models;
import jprune.nn.models.VisionTransformer;
import jprune.tensor.Parallel;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

class VitStepTest {
    /**
     * Every parameter away from its initial value (layer norms' unit scales and zero shifts, the
     * small token embeddings), so that each affine step and each embedding's add shows in the result.
     */
    static VisionTransformer perturbed(VisionTransformer vit, long seed) {
        Rng rng = new Rng(seed);
        for (Parameter p : vit.parameters()) {
            float[] v = p.value().data();
            for (int i = 0; i < v.length; i++) v[i] += (rng.nextFloat() - 0.5f) * 0.2f;
        }
        vit.train(false);
        return vit;
    }

    /** The shapes structured pruning leaves: blocks of different head counts and MLP widths, widths off the vector lengths. */
    static VisionTransformer[] models() {
        return new VisionTransformer[] {
            perturbed((VisionTransformer) Models.build(Models.defaultConfig("vit-tiny"), 21), 22),
            perturbed(new VisionTransformer(1, 28, 7, 64, new int[] {3, 4, 1, 2}, 16, new int[] {64, 37, 128, 5}, 10, new Rng(23)), 24),
            // A residual width cut to 50 (rows padded to whole vectors), 2 blocks, head dimension 9, 4×4 patches.
            perturbed(new VisionTransformer(1, 28, 4, 50, new int[] {2, 3}, 9, new int[] {40, 77}, 7, new Rng(25)), 26),
            // One block: the class token's rows alone from its keys and values on.
            perturbed(new VisionTransformer(1, 28, 14, 32, new int[] {1}, 8, new int[] {16}, 10, new Rng(27)), 28),
        };
    }

    @Test
    void logitsEqualTheModelsForwardBitForBit() {
        for (VisionTransformer vit : models()) {
            InferencePlan plan = InferencePlan.compile(vit, 1, 28, 28);
            assertTrue(plan.toString().contains("vision transformer (fused)"), plan.toString());
            for (int n : new int[] {1, 2, 3, 9, 40}) {
                Tensor x = images(n, 1, 28, 28, 30 + n);
                assertArrayEquals(forward(vit, x), plan.forward(x).data(), plan + " batch " + n);
            }
        }
    }

    @Test
    void aSampleGetsTheSameLogitsInAnyBatchAndWithAnyThreadCount() {
        int saved = Parallel.threads();
        try {
            for (VisionTransformer vit : models()) {
                InferencePlan plan = InferencePlan.compile(vit, 1, 28, 28);
                int out = plan.outputSize();
                Tensor x = images(70, 1, 28, 28, 41);
                Parallel.setThreads(2);
                float[] batch = plan.forward(x).data();
                Parallel.setThreads(1);
                assertArrayEquals(batch, plan.forward(x).data(), "1 vs 2 threads");
                for (int i : new int[] {0, 31, 69}) {
                    float[] one = plan.forward(Tensor.of(Arrays.copyOfRange(x.data(), i * 784, (i + 1) * 784), 1, 1, 28, 28)).data();
                    assertArrayEquals(Arrays.copyOfRange(batch, i * out, (i + 1) * out), one, "sample " + i + " alone");
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void aLayerNormWithMaskedFeaturesKeepsTheModuleFallback() {
        // A residual width pruned by masks, not yet compacted: the masked layer norms normalise over
        // the kept features only, which the fused step does not compute.
        VisionTransformer vit = perturbed((VisionTransformer) Models.build(Models.defaultConfig("vit-tiny"), 51), 52);
        float[] mask = new float[vit.dim()];
        Arrays.fill(mask, 1f);
        mask[5] = mask[17] = 0f;
        vit.norm().weight().setMask(Tensor.of(mask, vit.dim()));
        InferencePlan plan = InferencePlan.compile(vit, 1, 28, 28);
        assertFalse(plan.toString().contains("fused"), plan.toString());
        Tensor x = images(3, 1, 28, 28, 53);
        assertArrayEquals(forward(vit, x), plan.forward(x).data());
    }

    @Test
    void thePlanIsASnapshotOfTheWeights() {
        VisionTransformer vit = perturbed((VisionTransformer) Models.build(Models.defaultConfig("vit-tiny"), 61), 62);
        InferencePlan plan = InferencePlan.compile(vit, 1, 28, 28);
        Tensor x = images(5, 1, 28, 28, 63);
        float[] before = plan.forward(x).data();
        vit.parameters().forEach(p -> Arrays.fill(p.value().data(), 0.5f));
        assertArrayEquals(before, plan.forward(x).data());
    }
}
