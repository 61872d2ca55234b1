package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import jprune.nn.Module;
import jprune.nn.models.Models;
import org.junit.jupiter.api.Test;

/** Criteria, granularities and schedules by name: what each name builds, and errors naming the allowed values. */
class NameLookupTest {
    @Test
    void everyCriterionNameBuildsItsCriterion() {
        for (String n : Criteria.NAMES) {
            if (Criteria.GROUP_ONLY.contains(n)) {
                var e = assertThrows(IllegalArgumentException.class, () -> Criteria.byName(n, 1), n);
                assertTrue(e.getMessage().contains("use it with granularity heads"), e.getMessage());
            } else {
                assertNotNull(Criteria.byName(n, 1), n);
            }
            assertNotNull(Criteria.forStructure(n, Structure.BLOCKS, 1), n);
        }
        assertInstanceOf(GroupGradientCriterion.class, Criteria.forStructure("taylor", Structure.HEADS, 0));
        assertInstanceOf(MagnitudeCriterion.class, Criteria.forStructure("magnitude", Structure.HEADS, 0));
        assertInstanceOf(MagnitudeCriterion.class, Criteria.byName("magnitude", 0));
        assertInstanceOf(RandomCriterion.class, Criteria.byName("random", 0));
        assertInstanceOf(TaylorCriterion.class, Criteria.byName("taylor", 0));
        assertInstanceOf(ObdCriterion.class, Criteria.byName("obd-hutchinson", 0));
        assertInstanceOf(MovementCriterion.class, Criteria.byName("movement", 0));
        var e = assertThrows(IllegalArgumentException.class, () -> Criteria.byName("hebbian", 0));
        assertEquals("criterion must be one of " + Criteria.NAMES + ", got 'hebbian'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Criteria.byName(null, 0));
        assertTrue(Criteria.needsGradualSchedule("movement"));
        assertFalse(Criteria.needsGradualSchedule("magnitude"));
    }

    @Test
    void granularitiesParseAndBuildTheirPruners() {
        Module m = Models.build(Models.defaultConfig("lenet-300-100"), 1);
        assertSame(Pruner.UNSTRUCTURED, Granularity.parse("unstructured").pruner(m));
        Granularity nm = Granularity.parse("2:4");
        assertEquals(0.5, nm.impliedSparsity().getAsDouble(), 0);
        assertInstanceOf(GradualNmPruner.class, nm.pruner(m));
        Granularity block = Granularity.parse("block:4x4");
        assertTrue(block.impliedSparsity().isEmpty());
        assertInstanceOf(BlockPruner.class, block.pruner(m));
        for (String c : Granularity.CHANNEL_NAMES) assertTrue(Granularity.parse(c).isChannels(), c);
        assertFalse(nm.isChannels());
        assertEquals(Structure.HEADS, Granularity.parse("heads").structure());
        assertEquals(Structure.MLP_NEURONS, Granularity.parse("mlp-neurons").structure());
        assertEquals(Structure.BLOCKS, Granularity.parse("blocks").structure());
        var noHeads = assertThrows(IllegalArgumentException.class, () -> Granularity.parse("heads").pruner(m));
        assertTrue(noHeads.getMessage().contains("needs transformer blocks"), noHeads.getMessage());

        // The channel pruner masks whole output rows of fc1 and fc2, never the classifier's outputs.
        Pruner channels = Granularity.parse("channels").pruner(m);
        channels.prune(Prunable.weights(m), Criteria.byName("magnitude", 0), PruneSpec.of(0.5, Scope.LAYER));
        var fc1 = Prunable.weights(m).get("fc1.weight");
        int rows = fc1.value().shape()[0], cols = fc1.value().shape()[1], deadRows = 0;
        float[] mask = fc1.mask().data();
        for (int r = 0; r < rows; r++) {
            float sum = 0;
            for (int c = 0; c < cols; c++) sum += mask[r * cols + c];
            assertTrue(sum == 0 || sum == cols, "row " + r + " is masked whole or not at all");
            if (sum == 0) deadRows++;
        }
        assertEquals(rows / 2, deadRows);
    }

    @Test
    void badGranularitiesNameTheAllowedForms() {
        for (Map.Entry<String, String> c : Map.of("rows", "block:RxC", "head", "mlp-neurons", "4:2", "N < M", "block:0x4", "RxC", "", "unstructured").entrySet()) {
            var e = assertThrows(IllegalArgumentException.class, () -> Granularity.parse(c.getKey()), c.getKey());
            assertTrue(e.getMessage().startsWith("granularity"), e.getMessage());
            assertTrue(e.getMessage().contains(c.getValue()), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Granularity.parse(null));
    }

    @Test
    void schedulesParse() {
        assertInstanceOf(SparsitySchedule.OneShot.class, SparsitySchedule.parse("oneshot"));
        assertEquals(new SparsitySchedule.Iterative(5), SparsitySchedule.parse("iterative:5"));
        assertInstanceOf(SparsitySchedule.Gradual.class, SparsitySchedule.parse("agp"));
        var e = assertThrows(IllegalArgumentException.class, () -> SparsitySchedule.parse("iterative:0"));
        assertEquals("schedule iterative:R needs a round count R >= 1, got 'iterative:0'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SparsitySchedule.parse("iterative:x"));
        assertTrue(e.getMessage().contains("iterative:R"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SparsitySchedule.parse("cubic"));
        assertEquals("schedule must be oneshot, iterative:R or agp, got 'cubic'", e.getMessage());
    }
}
