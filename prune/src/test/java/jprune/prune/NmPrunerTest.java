package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import jprune.nn.Parameter;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class NmPrunerTest {
    @Property(tries = 60)
    void everyGroupKeepsExactlyItsNLargest(@ForAll @IntRange(min = 1, max = 7) int n, @ForAll @IntRange(min = 2, max = 8) int m,
                                           @ForAll @IntRange(min = 1, max = 9) int rows, @ForAll @IntRange(min = 1, max = 37) int cols) {
        if (n >= m) return;
        Parameter p = new Parameter(Tensor.randn(new Rng(n * 1000L + m * 100 + rows * 10 + cols), 1f, rows, cols), Parameter.Kind.WEIGHT);
        float[] w = p.value().data().clone();
        new NmPruner(n, m).prune(Map.of("w", p), new MagnitudeCriterion(false), PruneSpec.of(0, Scope.LAYER));
        float[] mask = p.mask().data();
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols; g += m) {
                int len = Math.min(m, cols - g), kept = 0;
                float minKept = Float.MAX_VALUE, maxPruned = -1;
                for (int i = r * cols + g; i < r * cols + g + len; i++) {
                    if (mask[i] != 0f) {
                        kept++;
                        minKept = Math.min(minKept, Math.abs(w[i]));
                    } else {
                        maxPruned = Math.max(maxPruned, Math.abs(w[i]));
                        assertEquals(0f, p.value().data()[i]);
                    }
                }
                assertEquals(Math.min(n, len), kept, "group at row " + r + " col " + g);
                assertTrue(maxPruned <= minKept);
            }
        }
    }

    @Test
    void twoFourOnAConvWeightGroupsAlongTheFlattenedInput() {
        Parameter p = new Parameter(Tensor.randn(new Rng(3), 1f, 4, 2, 2, 2), Parameter.Kind.WEIGHT);   // rows of 8
        NmPruner nm = NmPruner.parse("2:4");
        assertEquals(0.5, nm.sparsity());
        nm.prune(Map.of("w", p), new MagnitudeCriterion(false), PruneSpec.of(0, Scope.LAYER));
        float[] mask = p.mask().data();
        for (int g = 0; g < 32; g += 4) assertEquals(2f, mask[g] + mask[g + 1] + mask[g + 2] + mask[g + 3]);
    }

    @Test
    void previouslyPrunedWeightsStayPruned() {
        Parameter p = new Parameter(Tensor.of(new float[] {9, 8, 1, 2}, 1, 4), Parameter.Kind.WEIGHT);
        p.setMask(Tensor.of(new float[] {0, 1, 1, 1}, 1, 4));
        new NmPruner(2, 4).prune(Map.of("w", p), new MagnitudeCriterion(false), PruneSpec.of(0, Scope.LAYER));
        assertArrayEquals(new float[] {0, 1, 0, 1}, p.mask().data());
    }

    @Test
    void invalidNmIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> NmPruner.parse("4:4"));
        assertThrows(IllegalArgumentException.class, () -> NmPruner.parse("2-4"));
        var e = assertThrows(IllegalArgumentException.class, () -> new NmPruner(0, 4));
        assertTrue(e.getMessage().contains("1 <= N < M"));
    }
}
