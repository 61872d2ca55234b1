package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import jprune.nn.Parameter;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BlockPrunerTest {
    /** Zero count of each block of a rows×cols matrix tiled by br×bc blocks, and each block's size. */
    static int[][] blockZeros(float[] w, int rows, int cols, int br, int bc) {
        int nr = (rows + br - 1) / br, nc = (cols + bc - 1) / bc;
        int[][] out = new int[2][nr * nc];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                int b = (r / br) * nc + c / bc;
                out[1][b]++;
                if (w[r * cols + c] == 0f) out[0][b]++;
            }
        return out;
    }

    @Property(tries = 60)
    void layerScopeRemovesWholeBlocksTheRoundedCountAndTheWeakestByMean(@ForAll @IntRange(min = 1, max = 30) int rows,
                                                                         @ForAll @IntRange(min = 1, max = 30) int cols,
                                                                         @ForAll @IntRange(min = 1, max = 5) int br,
                                                                         @ForAll @IntRange(min = 1, max = 5) int bc,
                                                                         @ForAll @DoubleRange(min = 0, max = 0.99) double s) {
        Parameter p = new Parameter(Tensor.randn(new Rng(rows * 131L + cols * 7L + br), 1f, rows, cols), Parameter.Kind.WEIGHT);
        float[] before = p.value().data().clone();
        new BlockPruner(br, bc).prune(Map.of("w", p), new MagnitudeCriterion(false), PruneSpec.of(s, Scope.LAYER));
        int[][] z = blockZeros(p.value().data(), rows, cols, br, bc);
        int blocks = z[0].length, removed = 0;
        double weakestKept = Double.MAX_VALUE, strongestRemoved = 0;
        int nc = (cols + bc - 1) / bc;
        for (int b = 0; b < blocks; b++) {
            assertTrue(z[0][b] == 0 || z[0][b] == z[1][b], "block " + b + " is partly pruned");
            double mean = 0;
            for (int r = (b / nc) * br; r < Math.min(rows, (b / nc + 1) * br); r++)
                for (int c = (b % nc) * bc; c < Math.min(cols, (b % nc + 1) * bc); c++) mean += Math.abs(before[r * cols + c]);
            mean /= z[1][b];
            if (z[0][b] > 0) {
                removed++;
                strongestRemoved = Math.max(strongestRemoved, mean);
            } else {
                weakestKept = Math.min(weakestKept, mean);
            }
        }
        assertEquals(Math.min(blocks - 1, (int) Math.rint(s * blocks)), removed);
        assertTrue(strongestRemoved <= weakestKept + 1e-6, "a kept block is weaker than a removed one");
    }

    @Test
    void globalScopeKeepsABlockInEveryLayerAndPreviousZerosStay() {
        Parameter big = new Parameter(Tensor.randn(new Rng(1), 1f, 16, 16), Parameter.Kind.WEIGHT);
        Parameter tiny = new Parameter(Tensor.full(1e-4f, 8, 8), Parameter.Kind.WEIGHT);
        LinkedHashMap<String, Parameter> ps = new LinkedHashMap<>();
        ps.put("big", big);
        ps.put("tiny", tiny);
        Pruner.UNSTRUCTURED.prune(Map.of("big", big), new MagnitudeCriterion(false), PruneSpec.of(0.1, Scope.LAYER));
        float[] earlier = big.mask().data().clone();
        Map<String, Integer> masked = new BlockPruner(4, 4).prune(ps, new MagnitudeCriterion(false), PruneSpec.of(0.5, Scope.GLOBAL));
        assertEquals(48, masked.get("tiny"), "all but one 4x4 block of the tiny layer go first");
        for (int i = 0; i < earlier.length; i++) if (earlier[i] == 0f) assertEquals(0f, big.value().data()[i]);
        // 20 blocks in all, 10 removed: 3 of tiny's 4, then the 7 weakest of big.
        int[][] z = blockZeros(big.value().data(), 16, 16, 4, 4);
        int full = 0;
        for (int b = 0; b < 16; b++) if (z[0][b] == 16) full++;
        assertEquals(7, full);
    }

    @Test
    void convolutionKernelsAreTiledOverTheirFlattenedInputs() {
        Parameter conv = new Parameter(Tensor.randn(new Rng(2), 1f, 4, 2, 3, 3), Parameter.Kind.WEIGHT);
        new BlockPruner(2, 9).prune(Map.of("c", conv), new MagnitudeCriterion(false), PruneSpec.of(0.5, Scope.LAYER));
        int[][] z = blockZeros(conv.value().data(), 4, 18, 2, 9);
        assertEquals(2, java.util.Arrays.stream(z[0]).filter(v -> v == 18).count());
    }

    @Test
    void malformedBlocksAreRejected() {
        for (String bad : new String[] {"4", "0x4", "4x", "axb", "4x4x4", "-1x2"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> BlockPruner.parse(bad), bad);
            assertTrue(e.getMessage().contains("RxC"), e.getMessage());
        }
    }
}
