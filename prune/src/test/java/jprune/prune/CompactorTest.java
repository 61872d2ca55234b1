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

    /** Sets every weight of filter c of the node to values[c] (sign alternating), so its mean |w| is values[c]. */
    static void setFilters(ChannelGraph.Node node, float[] values) {
        float[] w = node.weight().value().data();
        int row = w.length / node.outChannels();
        for (int c = 0; c < node.outChannels(); c++)
            for (int i = 0; i < row; i++) w[c * row + i] = (i % 2 == 0 ? 1 : -1) * values[c % values.length] * (1 + c / values.length);
    }

    @Test
    void theFiltersWithTheLowestMeanMagnitudeGoWithTheirBatchNormEntries() {
        Module m = Models.build(Models.defaultConfig("convnet"), 1);
        ChannelGraph.Node first = ChannelGraph.of(m).prunable().get(0);
        assertNotNull(first.norm(), "convnet's first convolution is followed by batch norm");
        assertNull(first.bias(), "and has no bias of its own");
        // 32 filters: mean |w| of filter c is values[c % 8]·(1 + c / 8), so the 16 lowest are known.
        float[] values = {0.3f, 0.1f, 0.5f, 0.2f, 0.6f, 0.4f, 0.05f, 0.7f};
        setFilters(first, values);
        float[] scores = new float[first.outChannels()];
        for (int c = 0; c < scores.length; c++) scores[c] = values[c % 8] * (1 + c / 8);
        java.util.Set<Integer> lowest = new java.util.HashSet<>();
        java.util.stream.IntStream.range(0, scores.length).boxed().sorted((a, b) -> Float.compare(scores[a], scores[b])).limit(16).forEach(lowest::add);
        new ChannelPruner(m).prune(new MagnitudeCriterion(false), PruneSpec.of(0.5, Scope.LAYER));
        int row = first.weight().numel() / first.outChannels();
        for (int c = 0; c < first.outChannels(); c++) {
            float keep = lowest.contains(c) ? 0f : 1f;
            for (int i = 0; i < row; i++) assertEquals(keep, first.weight().mask().data()[c * row + i], "filter " + c + " weight " + i);
            assertEquals(keep, first.norm().weight().mask().data()[c], "filter " + c + " batch-norm scale");
            assertEquals(keep, first.norm().bias().mask().data()[c], "filter " + c + " batch-norm shift");
        }
    }

    @Test
    void l1AndL2RankFiltersByTheirOwnNorms() {
        // Filter 0: every |w| = 1 (mean |w| 1, mean w² 1). Filter 1: 1.8 at even positions, 0 at odd
        // ones (13 of 25: mean |w| 0.936, mean w² 1.685). The rest are far larger. Removing one
        // filter, L1 takes filter 1 and L2 takes filter 0.
        for (boolean l2 : new boolean[] {false, true}) {
            Module m = Models.build(Models.defaultConfig("lenet-5"), 2);
            ChannelGraph.Node first = ChannelGraph.of(m).prunable().get(0);
            setFilters(first, new float[] {1, 1, 5, 5, 5, 5});
            float[] w = first.weight().value().data();
            for (int i = 0; i < 25; i++) w[25 + i] = i % 2 == 0 ? 1.8f : 0f;
            new ChannelPruner(m).prune(new MagnitudeCriterion(l2), new PruneSpec(1 / 6.0, Scope.LAYER, List.of(), List.of(), 1.0));
            assertArrayEquals(l2 ? new int[] {1, 2, 3, 4, 5} : new int[] {0, 2, 3, 4, 5}, ChannelPruner.kept(first), l2 ? "L2" : "L1");
            float[] bias = first.bias().mask().data();
            assertArrayEquals(l2 ? new float[] {0, 1, 1, 1, 1, 1} : new float[] {1, 0, 1, 1, 1, 1}, bias, "the removed filter's bias goes with it");
        }
    }
}
