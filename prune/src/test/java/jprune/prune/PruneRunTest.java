package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.data.DataSplit;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.models.Models;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import jprune.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PruneRunTest {
    static DataSplit synthetic(int n, long seed) {
        Rng rng = new Rng(seed);
        float[] img = new float[n * 784];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(10);
            labels[i] = c;
            for (int p = 0; p < 784; p++) img[i * 784 + p] = ((p % 28) / 3 == c ? 0.9f : 0.1f) + 0.1f * rng.nextFloat();
        }
        return new DataSplit("synthetic", img, labels, n, 1, 28, 28, 10);
    }

    static TrainConfig cfg(int epochs) {
        return new TrainConfig(epochs, 32, 0.05, "sgd", "cosine", 0.9, true, 1e-4, 0, 0, 0, 0, 1);
    }

    @Test
    void everyScheduleReachesItsTargetAndMasksSurviveFineTuning() {
        DataSplit train = synthetic(256, 1), test = synthetic(100, 2);
        for (SparsitySchedule s : List.of(new SparsitySchedule.OneShot(), new SparsitySchedule.Iterative(3), new SparsitySchedule.Gradual(0, 0, 10, 3))) {
            Module m = Models.build(Models.defaultConfig("lenet-300-100"), 3);
            new Trainer(m, cfg(1), train, test, null).fit();
            List<PruneRun.Round> rounds = new PruneRun(m, new MagnitudeCriterion(false), PruneSpec.of(0.9, Scope.GLOBAL), s, cfg(2), train, test).run(null);
            assertEquals(0.9, SparsityStats.of(m).sparsity(), 1e-5, s.name());
            assertEquals(s instanceof SparsitySchedule.Iterative ? 3 : s instanceof SparsitySchedule.Gradual ? 2 : 1, rounds.size(), s.name());
            for (Parameter p : Prunable.weights(m).values()) {
                assertTrue(p.hasMask());
                float[] w = p.value().data(), mask = p.mask().data();
                for (int i = 0; i < w.length; i++) if (mask[i] == 0f) assertEquals(0f, w[i], "pruned weight moved in fine-tuning");
            }
            assertTrue(rounds.get(rounds.size() - 1).accuracy() > 0.5, s.name() + " accuracy " + rounds);
        }
    }

    @Test
    void taylorScoresComeFromCalibrationGradients() {
        DataSplit train = synthetic(128, 3);
        Module m = Models.build(Models.defaultConfig("lenet-300-100"), 5);
        TaylorCriterion t = new TaylorCriterion();
        assertThrows(IllegalStateException.class, () -> t.score("fc1.weight", Prunable.weights(m).get("fc1.weight")));
        t.prepare(new PruneContext(m, train, 2, 32, 0));
        float[] s = t.score("fc1.weight", Prunable.weights(m).get("fc1.weight")).data();
        assertTrue(java.util.stream.IntStream.range(0, s.length).anyMatch(i -> s[i] > 0));
        assertNull(Prunable.weights(m).get("fc1.weight").grad(), "calibration leaves no gradients behind");
    }

    @Test
    void masksRoundTripThroughCheckpointsWithoutGrowingThem(@TempDir Path dir) throws Exception {
        Module m = Models.build(Models.defaultConfig("lenet-300-100"), 7);
        Path dense = dir.resolve("dense.safetensors"), pruned = dir.resolve("pruned.safetensors");
        ModelCheckpoint.save(dense, Models.defaultConfig("lenet-300-100"), m, Map.of());
        Pruner.UNSTRUCTURED.prune(Prunable.weights(m), new MagnitudeCriterion(false), PruneSpec.of(0.8, Scope.LAYER));
        ModelCheckpoint.save(pruned, Models.defaultConfig("lenet-300-100"), m, Map.of());
        assertTrue(java.nio.file.Files.size(pruned) <= java.nio.file.Files.size(dense) + 64);
        Module back = ModelCheckpoint.load(pruned).model();
        Prunable.weights(m).forEach((n, p) -> assertArrayEquals(p.mask().data(), Prunable.weights(back).get(n).mask().data(), n));
        assertEquals(0.8, SparsityStats.of(back).sparsity(), 1e-3);
    }

    @Test
    void movementScoresAccumulateDuringGradualPruning() {
        DataSplit train = synthetic(128, 1), test = synthetic(64, 2);
        Module m = Models.build(Models.defaultConfig("lenet-300-100"), 3);
        MovementCriterion mv = new MovementCriterion();
        assertEquals(0f, mv.score("fc1.weight", Prunable.weights(m).get("fc1.weight")).data()[0]);
        new PruneRun(m, mv, PruneSpec.of(0.7, Scope.GLOBAL), new SparsitySchedule.Gradual(0, 0, 6, 2), cfg(2), train, test).run(null);
        assertEquals(8, mv.steps());
        assertEquals(0.7, SparsityStats.of(m).sparsity(), 1e-4);
        float[] s = mv.score("fc1.weight", Prunable.weights(m).get("fc1.weight")).data();
        assertTrue(java.util.stream.IntStream.range(0, s.length).anyMatch(i -> s[i] != 0f));
    }

    @Test
    void runsThatWouldPruneNothingOrAnotherModelAreRefused() {
        DataSplit train = synthetic(64, 1), test = synthetic(32, 2);
        Module m = Models.build(Models.defaultConfig("lenet-5"), 3), other = Models.build(Models.defaultConfig("lenet-5"), 4);
        PruneSpec spec = PruneSpec.of(0.5, Scope.GLOBAL);
        var e = assertThrows(IllegalArgumentException.class, () -> new PruneRun(m, new MovementCriterion(), spec, new SparsitySchedule.OneShot(), cfg(1), train, test));
        assertTrue(e.getMessage().contains("gradual"), e.getMessage());
        Pruner forOther = Granularity.parse("channels").pruner(other);
        e = assertThrows(IllegalArgumentException.class, () -> new PruneRun(m, forOther, new MagnitudeCriterion(false), spec, new SparsitySchedule.OneShot(), cfg(1), train, test));
        assertTrue(e.getMessage().contains("another model"), e.getMessage());
        Module noWeights = new jprune.nn.layers.Sequential(new jprune.nn.layers.Flatten());
        e = assertThrows(IllegalArgumentException.class, () -> new PruneRun(noWeights, new MagnitudeCriterion(false), spec, new SparsitySchedule.OneShot(), cfg(1), train, test));
        assertTrue(e.getMessage().contains("no prunable weights"), e.getMessage());
        // A recipe run on a model its config does not build would save a checkpoint nobody can load.
        PruneRecipe recipe = PruneRecipe.builder().sparsity(0.5).schedule("oneshot").finetuneEpochs(0).build();
        e = assertThrows(IllegalArgumentException.class, () -> recipe.run(m, Models.defaultConfig("lenet-300-100"), train, test, null));
        assertTrue(e.getMessage().contains("lenet-300-100"), e.getMessage());
        assertEquals(0, SparsityStats.of(m).sparsity(), "nothing pruned");
    }

    @Test
    void parsedAgpSpansThisRunsFineTuningAndAnExplicitGradualRunsAsGiven() {
        DataSplit train = synthetic(256, 1), test = synthetic(64, 2);
        Module m = Models.build(Models.defaultConfig("lenet-300-100"), 3);
        PruneSpec spec = PruneSpec.of(0.5, Scope.GLOBAL);
        PruneRun parsed = new PruneRun(m, new MagnitudeCriterion(false), spec, SparsitySchedule.parse("agp"), cfg(4), train, test);
        // 256 images in batches of 32: 8 a epoch, 32 in all; pruning over the first 16, every step.
        assertEquals(new SparsitySchedule.Gradual(0, 0, 16, 1), parsed.schedule());
        SparsitySchedule.Gradual own = new SparsitySchedule.Gradual(0, 0, 1, 1);
        assertSame(own, new PruneRun(m, new MagnitudeCriterion(false), spec, own, cfg(4), train, test).schedule());
    }

    @Test
    void theDefaultGradualSchedulePrunesOverTheFirstHalfTenTimesAnEpoch() {
        // 12 epochs of 469 batches (60,000 images in batches of 128).
        SparsitySchedule.Gradual g = PruneRun.defaultGradual(new TrainConfig(12, 128, 0.05, "sgd", "cosine", 0.9, true, 0, 0, 0, 0, 0, 1), 60_000);
        assertEquals(0, g.startStep());
        assertEquals(12 * 469 / 2, g.pruneSteps());
        assertEquals(46, g.frequency());
        assertEquals(0.9, g.sparsityAt(12 * 469 / 2, 0.9));
        assertEquals(0.9 * (1 - 0.125), g.sparsityAt(12 * 469 / 4, 0.9), 1e-3, "seven eighths of the way a quarter in");
    }
}
