package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jprune.nn.Parameter;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class UnstructuredPrunerTest {
    static Parameter param(long seed, int... shape) {
        return new Parameter(Tensor.randn(new Rng(seed), 1f, shape), Parameter.Kind.WEIGHT);
    }

    static int zeros(Parameter p) {
        int z = 0;
        for (float v : p.value().data()) if (v == 0f) z++;
        return z;
    }

    @Property(tries = 60)
    void layerScopePrunesExactlyTheRoundedCountAndTheSmallest(@ForAll @IntRange(min = 2, max = 40) int rows,
                                                               @ForAll @IntRange(min = 1, max = 40) int cols,
                                                               @ForAll @DoubleRange(min = 0, max = 0.99) double s) {
        Parameter p = param(rows * 41L + cols, rows, cols);
        float[] before = p.value().data().clone();
        Pruner.UNSTRUCTURED.prune(Map.of("w", p), new MagnitudeCriterion(false), PruneSpec.of(s, Scope.LAYER));
        int n = rows * cols, expected = Math.min(n - 1, (int) Math.rint(s * n));
        assertEquals(expected, zeros(p));
        float largestPruned = 0, smallestKept = Float.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (p.value().data()[i] == 0f) largestPruned = Math.max(largestPruned, Math.abs(before[i]));
            else smallestKept = Math.min(smallestKept, Math.abs(before[i]));
        }
        assertTrue(expected == 0 || largestPruned <= smallestKept, "a kept weight is smaller than a pruned one");
    }

    @Test
    void masksOnlyGrowAcrossSteps() {
        Parameter p = param(3, 20, 20);
        Pruner.UNSTRUCTURED.prune(Map.of("w", p), new MagnitudeCriterion(false), PruneSpec.of(0.5, Scope.LAYER));
        float[] first = p.mask().data().clone();
        Pruner.UNSTRUCTURED.prune(Map.of("w", p), new RandomCriterion(1), PruneSpec.of(0.8, Scope.LAYER));
        for (int i = 0; i < first.length; i++) if (first[i] == 0f) assertEquals(0f, p.mask().data()[i]);
        assertEquals(320, zeros(p));
    }

    @Test
    void globalScopeRanksAcrossLayersAndNeverCollapsesALayer() {
        Parameter big = param(1, 50, 50), tiny = new Parameter(Tensor.full(1e-4f, 2, 3), Parameter.Kind.WEIGHT);
        LinkedHashMap<String, Parameter> ps = new LinkedHashMap<>();
        ps.put("big", big);
        ps.put("tiny", tiny);
        Pruner.UNSTRUCTURED.prune(ps, new MagnitudeCriterion(false), PruneSpec.of(0.5, Scope.GLOBAL));
        assertEquals(5, zeros(tiny), "the tiny layer keeps one weight");
        assertEquals((int) Math.rint(0.5 * 2506) - 5, zeros(big));
    }

    @Test
    void capsOverridesAndKeptLayers() {
        LinkedHashMap<String, Parameter> ps = new LinkedHashMap<>();
        ps.put("fc1.weight", param(1, 30, 30));
        ps.put("fc2.weight", param(2, 30, 30));
        ps.put("fc3.weight", param(3, 10, 30));
        PruneSpec spec = new PruneSpec(0.9, Scope.GLOBAL, List.of(new PruneSpec.Override(Pattern.compile("fc2\\..*"), 0.5)),
                List.of(Pattern.compile("fc3\\.weight")), 0.8);
        Pruner.UNSTRUCTURED.prune(ps, new MagnitudeCriterion(false), spec);
        assertEquals(450, zeros(ps.get("fc2.weight")), "override");
        assertEquals(0, zeros(ps.get("fc3.weight")), "kept dense");
        assertFalse(ps.get("fc3.weight").hasMask());
        assertEquals(720, zeros(ps.get("fc1.weight")), "capped at 80%");
    }

    @Test
    void invalidSpecsNameTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> PruneSpec.of(1.0, Scope.LAYER));
        assertTrue(e.getMessage().contains("sparsity") && e.getMessage().contains("[0, 1)"));
        e = assertThrows(IllegalArgumentException.class, () -> Scope.parse("local"));
        assertTrue(e.getMessage().contains("global"));
    }

    @Test
    void schedulesFollowTheirFormulas() {
        var it = new SparsitySchedule.Iterative(4);
        assertEquals(0.9, it.sparsityAfter(4, 0.9), 1e-12);
        double p = 1 - Math.pow(0.1, 0.25);
        assertEquals(1 - Math.pow(1 - p, 2), it.sparsityAfter(2, 0.9), 1e-12);
        var agp = new SparsitySchedule.Gradual(0, 100, 1000, 10);
        assertEquals(0, agp.sparsityAt(100, 0.9), 1e-12);
        assertEquals(0.9, agp.sparsityAt(1100, 0.9), 1e-12);
        assertEquals(0.9 - 0.9 * Math.pow(0.5, 3), agp.sparsityAt(600, 0.9), 1e-12);
        assertTrue(agp.updatesAt(110));
        assertFalse(agp.updatesAt(111));
        assertFalse(agp.updatesAt(1110));
    }
}
