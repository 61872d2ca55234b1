package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import jprune.nn.Module;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.nn.models.ModelConfig;
import jprune.nn.models.Models;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

class CompactorTest {
    static float[] run(Module m, Tensor x) {
        try (var g = GradMode.noGrad()) {
            m.train(false);
            return m.forward(Variable.constant(x)).value().data();
        }
    }

    @Test
    void compactedModelsComputeWhatTheMaskedModelsComputed() {
        Tensor x = Tensor.uniform(new Rng(1), -1f, 2f, 5, 1, 28, 28);
        for (String name : List.of("lenet-300-100", "lenet-5", "convnet")) {
            ModelConfig cfg = Models.defaultConfig(name);
            Module m = Models.build(cfg, 2);
            // Non-trivial batch-norm statistics, so removed channels would show if they leaked.
            m.namedBuffers().forEach((k, t) -> {
                float[] d = t.data();
                for (int i = 0; i < d.length; i++) d[i] = k.endsWith("running_var") ? 0.5f + (i % 7) * 0.1f : (i % 5) * 0.05f;
            });
            new ChannelPruner(m).prune(new MagnitudeCriterion(false), PruneSpec.of(0.5, Scope.LAYER));
            float[] masked = run(m, x);
            Compactor.Result small = Compactor.compact(m, cfg);
            assertTrue(small.model().parameterCount() < 0.6 * m.parameterCount(), name + ": " + small.model().parameterCount());
            float[] compact = run(small.model(), x);
            assertEquals(masked.length, compact.length);
            for (int i = 0; i < masked.length; i++) assertEquals(masked[i], compact[i], 1e-4 + 1e-4 * Math.abs(masked[i]), name + " logit " + i);
            // The config rebuilds the narrow model.
            assertEquals(small.model().parameterCount(), Models.build(small.config(), 0).parameterCount());
        }
    }

    @Test
    void halfTheChannelsGoAndTheLowestNormsFirst() {
        Module m = Models.build(Models.defaultConfig("lenet-5"), 3);
        new ChannelPruner(m).prune(new MagnitudeCriterion(false), PruneSpec.of(0.5, Scope.LAYER));
        ChannelGraph g = ChannelGraph.of(m);
        assertArrayEquals(new int[] {3, 8, 60, 42}, g.prunable().stream().mapToInt(n -> ChannelPruner.kept(n).length).toArray());
        Compactor.Result r = Compactor.compact(m, Models.defaultConfig("lenet-5"));
        assertEquals(List.of(3L, 8L), r.config().values().get("conv"));
        assertEquals(List.of(60L, 42L), r.config().values().get("fc"));
    }

    @Test
    void globalScopeRanksAllChannelsTogetherAndKeepsEveryLayerAlive() {
        Module m = Models.build(Models.defaultConfig("lenet-5"), 3);
        ChannelGraph g = ChannelGraph.of(m);
        // Scale one layer down so a global ranking must take (nearly) all of it, but never the last channel.
        for (float[] d = g.prunable().get(1).weight().value().data(); d != null; d = null)
            for (int i = 0; i < d.length; i++) d[i] *= 1e-3f;
        int total = g.prunable().stream().mapToInt(ChannelGraph.Node::outChannels).sum();
        var removed = new ChannelPruner(m).prune(new MagnitudeCriterion(false), PruneSpec.of(0.3, Scope.GLOBAL));
        assertEquals(Math.rint(0.3 * total), removed.values().stream().mapToInt(Integer::intValue).sum(), 1e-9);
        assertEquals(15, removed.get(g.prunable().get(1).name()), "the scaled-down layer loses all channels but one");
        for (ChannelGraph.Node n : g.prunable()) assertTrue(ChannelPruner.kept(n).length >= 1);
        // Compaction still computes what the masked model computes.
        Tensor x = Tensor.uniform(new Rng(4), -1f, 2f, 3, 1, 28, 28);
        float[] masked = run(m, x), compact = run(Compactor.compact(m, Models.defaultConfig("lenet-5")).model(), x);
        for (int i = 0; i < masked.length; i++) assertEquals(masked[i], compact[i], 1e-4 + 1e-4 * Math.abs(masked[i]));
    }

    @Test
    void attentionModelsAreRejectedClearly() {
        var e = assertThrows(IllegalArgumentException.class, () -> ChannelGraph.of(Models.build(Models.defaultConfig("vit-tiny"), 0)));
        assertTrue(e.getMessage().contains("sequential"), e.getMessage());
    }
}
