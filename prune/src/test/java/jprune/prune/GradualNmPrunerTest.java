package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.data.DataSplit;
import jprune.nn.layers.Flatten;
import jprune.nn.layers.Linear;
import jprune.nn.layers.ReLU;
import jprune.nn.layers.Sequential;
import jprune.nn.train.Trainer;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

class GradualNmPrunerTest {
    /** Asserts every group of m along each row keeps min(n, its length) entries; returns n. */
    static int assertPattern(Parameter p, int n, int m) {
        float[] mask = p.hasMask() ? p.mask().data() : null;
        int rows = p.size(0), cols = p.numel() / rows;
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols; g += m) {
                int len = Math.min(m, cols - g), kept = 0;
                for (int i = r * cols + g; i < r * cols + g + len; i++) if (mask == null || mask[i] != 0f) kept++;
                assertEquals(Math.min(n, len), kept, n + ":" + m + " at row " + r + ", column " + g);
            }
        }
        return n;
    }

    static void assertNested(float[] before, Parameter p) {
        if (before == null) return;
        float[] now = p.mask().data();
        for (int i = 0; i < now.length; i++) if (before[i] == 0f) assertEquals(0f, now[i], "pruned weight " + i + " came back");
    }

    @Test
    void zerosPerGroupFollowTheScheduledSparsityUpToTheTarget() {
        GradualNmPruner g = new GradualNmPruner(new NmPruner(2, 4));
        assertEquals(0, g.zerosPerGroup(0));
        assertEquals(0, g.zerosPerGroup(0.12));
        assertEquals(1, g.zerosPerGroup(0.125));
        assertEquals(1, g.zerosPerGroup(0.3));
        assertEquals(2, g.zerosPerGroup(0.375));
        assertEquals(2, g.zerosPerGroup(0.5));
        assertEquals(2, g.zerosPerGroup(0.9), "never past the target pattern");
        assertEquals(3, new GradualNmPruner(new NmPruner(1, 8)).zerosPerGroup(0.4));
    }

    @Test
    void everyStepIsAValidNestedPatternAsWeightsChange() {
        // Rows of 10: two groups of 4 and a tail of 2, which keeps min(N', 2).
        Parameter p = new Parameter(Tensor.randn(new Rng(3), 1f, 6, 10), Parameter.Kind.WEIGHT);
        GradualNmPruner g = new GradualNmPruner(new NmPruner(2, 4));
        SparsitySchedule.Gradual schedule = new SparsitySchedule.Gradual(0, 0, 30, 3);
        Rng noise = new Rng(9);
        List<Integer> patterns = new ArrayList<>();
        float[] before = null;
        for (int step = 0; step <= 30; step++) {
            // Fine-tuning moves the weights between updates, so later scores rank them differently.
            float[] w = p.value().data();
            for (int i = 0; i < w.length; i++) w[i] += 0.5f * (float) noise.nextGaussian();
            p.applyMask();
            if (!schedule.updatesAt(step)) continue;
            int zeros = g.zerosPerGroup(schedule.sparsityAt(step, 0.5));
            g.prune(Map.of("w", p), new MagnitudeCriterion(false), PruneSpec.of(schedule.sparsityAt(step, 0.5), Scope.LAYER));
            int n = assertPattern(p, 4 - zeros, 4);
            if (p.hasMask()) {
                assertNested(before, p);
                before = p.mask().data().clone();
            }
            if (patterns.isEmpty() || patterns.get(patterns.size() - 1) != n) patterns.add(n);
        }
        assertEquals(List.of(4, 3, 2), patterns, "dense, then 3:4, then 2:4");
    }

    @Test
    void aGradualRunReaches2of4ThroughNestedValidPatterns() {
        DataSplit train = PruneRunTest.synthetic(256, 1), test = PruneRunTest.synthetic(64, 2);
        Rng rng = new Rng(3);
        Module m = new Sequential(new Flatten(), new Linear(784, 32, true, rng), new ReLU(), new Linear(32, 12, true, rng), new ReLU(),
                new Linear(12, 10, true, rng));
        new Trainer(m, PruneRunTest.cfg(1), train, test, null).fit();
        GradualNmPruner g = new GradualNmPruner(new NmPruner(2, 4));
        Map<String, float[]> before = new HashMap<>();
        List<Integer> patterns = new ArrayList<>();
        Pruner checked = (params, criterion, spec) -> {
            Map<String, Integer> out = g.prune(params, criterion, spec);
            int n = 4 - g.zerosPerGroup(spec.sparsity());
            params.forEach((name, p) -> {
                assertPattern(p, n, 4);
                if (p.hasMask()) {
                    assertNested(before.get(name), p);
                    before.put(name, p.mask().data().clone());
                }
            });
            if (patterns.isEmpty() || patterns.get(patterns.size() - 1) != n) patterns.add(n);
            return out;
        };
        new PruneRun(m, checked, new MagnitudeCriterion(false), PruneSpec.of(0.5, Scope.GLOBAL), new SparsitySchedule.Gradual(0, 0, 12, 2),
                PruneRunTest.cfg(2), train, test).run(null);
        assertEquals(List.of(4, 3, 2), patterns);
        assertEquals(0.5, SparsityStats.of(m).sparsity(), 1e-9);
        for (Parameter p : Prunable.weights(m).values()) {
            assertPattern(p, 2, 4);
            float[] w = p.value().data(), mask = p.mask().data();
            for (int i = 0; i < w.length; i++) if (mask[i] == 0f) assertEquals(0f, w[i], "a pruned weight moved in fine-tuning");
        }
    }

    @Test
    void oneShotIsThePlainNmPruner() {
        Parameter a = new Parameter(Tensor.randn(new Rng(5), 1f, 4, 16), Parameter.Kind.WEIGHT);
        Parameter b = new Parameter(a.value().copy(), Parameter.Kind.WEIGHT);
        new GradualNmPruner(new NmPruner(1, 4)).prune(Map.of("w", a), new MagnitudeCriterion(false), PruneSpec.of(0.75, Scope.LAYER));
        new NmPruner(1, 4).prune(Map.of("w", b), new MagnitudeCriterion(false), PruneSpec.of(0.75, Scope.LAYER));
        assertArrayEquals(b.mask().data(), a.mask().data());
    }
}
