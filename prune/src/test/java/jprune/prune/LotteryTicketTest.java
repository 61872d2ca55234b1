package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.data.DataSplit;
import jprune.nn.models.Models;
import jprune.nn.train.TrainConfig;
import org.junit.jupiter.api.Test;

class LotteryTicketTest {
    @Test
    void roundsShrinkDensityGeometricallyAndRewindSurvivorsToTheInit() {
        DataSplit train = PruneRunTest.synthetic(192, 1), test = PruneRunTest.synthetic(64, 2);
        TrainConfig cfg = new TrainConfig(1, 32, 0.05, "sgd", "none", 0.9, true, 0, 0, 0, 0, 0, 3);
        LotteryTicket lt = new LotteryTicket(Models.defaultConfig("lenet-300-100"), cfg, train, test, 5, 0, 0.5);
        LotteryTicket.State s = lt.start();
        Module init = Models.build(Models.defaultConfig("lenet-300-100"), 5);
        assertArrayEquals(init.stateDict().get("fc1.weight").data(), s.rewind().get("fc1.weight").data(), "rewind point is the seed's init");
        LotteryTicket.Round r1 = lt.round(1, s);
        assertEquals(0.5, r1.density(), 1e-3);
        LotteryTicket.Round r2 = lt.round(2, s);
        assertEquals(0.25, r2.density(), 1e-3);
        for (double a : new double[] {r2.ticketAccuracy(), r2.reinitAccuracy(), r2.randomMaskAccuracy()}) assertTrue(a >= 0 && a <= 1);
        Parameter w = s.ticket().namedParameters().get("fc1.weight");
        for (int i = 0; i < w.numel(); i++) if (w.mask().data()[i] == 0f) assertEquals(0f, w.value().data()[i]);
    }

    @Test
    void invalidSettingsAreRejected() {
        DataSplit d = PruneRunTest.synthetic(8, 1);
        TrainConfig cfg = new TrainConfig(1, 4, 0.05, "sgd", "none", 0.9, true, 0, 0, 0, 0, 0, 3);
        assertThrows(IllegalArgumentException.class, () -> new LotteryTicket(Models.defaultConfig("lenet-300-100"), cfg, d, d, 1, 0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new LotteryTicket(Models.defaultConfig("lenet-300-100"), cfg, d, d, 1, -1, 0.2));
        LotteryTicket far = new LotteryTicket(Models.defaultConfig("lenet-300-100"), cfg, d, d, 1, 1000, 0.2);
        var e = assertThrows(IllegalArgumentException.class, far::start);
        assertTrue(e.getMessage().contains("beyond"));
    }

    @Test
    void theControlsKeepTheTicketsDensityButNotItsMaskOrItsInitialisation() {
        DataSplit d = PruneRunTest.synthetic(8, 1);
        var config = Models.defaultConfig("lenet-300-100");
        TrainConfig cfg = new TrainConfig(1, 4, 0.05, "sgd", "none", 0.9, true, 0, 0, 0, 0, 0, 3);
        LotteryTicket lt = new LotteryTicket(config, cfg, d, d, 5, 0, 0.5);
        Module init = Models.build(config, 5);
        LotteryTicket.State state = new LotteryTicket.State(LotteryTicket.snapshot(init), Models.build(config, 5));
        // A ticket of uneven layer densities: global magnitude pruning after the weights moved.
        for (Parameter p : Prunable.weights(state.ticket()).values()) {
            float[] w = p.value().data();
            for (int i = 0; i < w.length; i++) w[i] *= 1 + (i % 3);
        }
        Pruner.UNSTRUCTURED.prune(Prunable.weights(state.ticket()), new MagnitudeCriterion(false), PruneSpec.of(0.75, Scope.GLOBAL));

        Module reinit = lt.reinitControl(state.ticket(), 2), fresh = Models.build(config, 5 + 7919L * 2);
        Module random = lt.randomMaskControl(state.ticket(), state, 2);
        for (var e : Prunable.weights(state.ticket()).entrySet()) {
            String name = e.getKey();
            float[] ticketMask = e.getValue().mask().data(), rewind = state.rewind().get(name).data();
            Parameter r = Prunable.weights(reinit).get(name), m = Prunable.weights(random).get(name);
            assertArrayEquals(ticketMask, r.mask().data(), name + ": the re-initialised control has the ticket's mask");
            float[] rw = r.value().data(), fw = fresh.stateDict().get(name).data(), mw = m.value().data(), mm = m.mask().data();
            int sameAsRewind = 0, sameMask = 0, survivors = 0;
            for (int i = 0; i < rw.length; i++) {
                assertEquals(ticketMask[i] == 0f ? 0f : fw[i], rw[i], name + ": re-init weight " + i + " is the fresh seed's, masked");
                if (ticketMask[i] != 0f && rw[i] == rewind[i]) sameAsRewind++;
                assertEquals(mm[i] == 0f ? 0f : rewind[i], mw[i], name + ": random-mask weight " + i + " is the rewind value, masked");
                if (mm[i] == ticketMask[i]) sameMask++;
                if (ticketMask[i] != 0f) survivors++;
            }
            assertEquals(0, sameAsRewind, name + ": no survivor of the re-initialised control keeps its ticket value");
            assertEquals(survivors, m.countUnmasked(), name + ": the random mask keeps as many weights as the ticket");
            assertTrue(sameMask < 0.9 * rw.length, name + ": the random mask is not the ticket's (" + sameMask + " of " + rw.length + " agree)");
        }
        // Different rounds draw different random masks.
        assertFalse(java.util.Arrays.equals(Prunable.weights(random).get("fc1.weight").mask().data(),
                Prunable.weights(lt.randomMaskControl(state.ticket(), state, 3)).get("fc1.weight").mask().data()));
    }

    @Test
    void lenet300TrainsLikeTheLotteryTicketPaper() {
        TrainConfig c = LotteryTicket.defaultTraining("lenet-300-100");
        assertEquals("adamw", c.optimizer().id());
        assertEquals(1.2e-3, c.lr());
        assertEquals(60, c.batchSize());
        assertEquals("none", c.schedule().id(), "a constant learning rate");
        assertEquals(0.0, c.weightDecay(), "plain Adam");
        assertEquals(TrainConfig.defaults("lenet-5"), LotteryTicket.defaultTraining("lenet-5"));
    }

    @Test
    void lenet300FollowsThePapersPruningInitialisationAndEarlyStopping() {
        LotteryRecipe r = LotteryRecipe.defaults("lenet-300-100");
        assertEquals(Scope.LAYER, r.scope());
        assertEquals(0.2, r.rate());
        assertEquals(0.1, r.outputRate(), "the output layer at half the rate");
        assertEquals(jprune.nn.models.WeightInit.GLOROT_NORMAL, r.init());
        assertEquals(0, r.rewindStep(), "rewind to initialisation");
        assertEquals(100, r.evalEvery());
        assertEquals(5000, r.validationFor(60000), "5,000 of the 60,000 training images");
        assertEquals(50, r.validationFor(600), "a twelfth of a smaller training set");
        assertEquals(0.05, r.withRate(0.1).outputRate(), 1e-12, "still half of a new rate");
        LotteryRecipe other = LotteryRecipe.defaults("lenet-5");
        assertEquals(Scope.GLOBAL, other.scope());
        assertFalse(other.separateOutputRate());
        assertEquals(0, other.validationFor(60000));
        assertEquals(jprune.nn.models.WeightInit.MODEL, other.init());
    }

    @Test
    void layerWisePruningWithAnOutputRateGivesEachLayerItsOwnGeometricDensity() {
        DataSplit train = PruneRunTest.synthetic(192, 1), test = PruneRunTest.synthetic(64, 2);
        TrainConfig cfg = new TrainConfig(1, 32, 0.05, "sgd", "none", 0.9, true, 0, 0, 0, 0, 0, 3);
        LotteryRecipe recipe = new LotteryRecipe(cfg, Scope.LAYER, 0.5, 0.25, jprune.nn.models.WeightInit.GLOROT_NORMAL, 0, 0, 100);
        LotteryTicket lt = new LotteryTicket(Models.defaultConfig("lenet-300-100"), recipe, train, test, 5);
        LotteryTicket.State s = lt.start();
        for (int round = 1; round <= 2; round++) {
            LotteryTicket.Round r = lt.round(round, s);
            double hidden = Math.pow(0.5, round), output = Math.pow(0.75, round);
            var weights = Prunable.weights(s.ticket());
            assertEquals(java.util.List.of("fc1.weight", "fc2.weight", "fc3.weight"), java.util.List.copyOf(r.layerDensity().keySet()));
            for (String hiddenLayer : new String[] {"fc1.weight", "fc2.weight"}) {
                assertEquals(hidden, r.layerDensity().get(hiddenLayer), 1e-3, hiddenLayer + " round " + round);
                assertEquals(hidden, weights.get(hiddenLayer).countUnmasked() / (double) weights.get(hiddenLayer).numel(), 1e-3);
            }
            assertEquals(output, r.layerDensity().get("fc3.weight"), 1e-3, "output layer round " + round);
            long total = 784 * 300 + 300 * 100 + 100 * 10;
            assertEquals(((784 * 300 + 300 * 100) * hidden + 1000 * output) / total, r.density(), 1e-3, "overall density");
        }
    }

    @Test
    void layerScopePrunesEachLayerByItsOwnSmallestWeights() {
        var config = Models.defaultConfig("lenet-300-100");
        Module m = Models.build(config, 2);
        // fc1's weights are all ten times fc2's: global ranking would empty fc2 first, layer scope must not.
        float[] fc1 = m.namedParameters().get("fc1.weight").value().data();
        for (int i = 0; i < fc1.length; i++) fc1[i] *= 10;
        java.util.Map<String, float[]> before = new java.util.HashMap<>();
        Prunable.weights(m).forEach((n, p) -> before.put(n, p.value().data().clone()));
        TrainConfig cfg = new TrainConfig(1, 4, 0.05, "sgd", "none", 0.9, true, 0, 0, 0, 0, 0, 3);
        LotteryRecipe recipe = new LotteryRecipe(cfg, Scope.LAYER, 0.2, 0.1, jprune.nn.models.WeightInit.MODEL, 0, 0, 100);
        var weights = Prunable.weights(m);
        Pruner.UNSTRUCTURED.prune(weights, new MagnitudeCriterion(false), recipe.spec(3, "fc3.weight"));
        for (var e : weights.entrySet()) {
            Parameter p = e.getValue();
            double want = e.getKey().equals("fc3.weight") ? Math.pow(0.9, 3) : Math.pow(0.8, 3);
            assertEquals(want, p.countUnmasked() / (double) p.numel(), 1.5 / p.numel(), e.getKey());
            float[] w = p.value().data(), mask = p.mask().data();
            float largestPruned = 0, smallestKept = Float.MAX_VALUE;
            for (int i = 0; i < w.length; i++) {
                float a = Math.abs(before.get(e.getKey())[i]);
                if (mask[i] == 0f) largestPruned = Math.max(largestPruned, a);
                else smallestKept = Math.min(smallestKept, a);
            }
            assertTrue(largestPruned <= smallestKept, e.getKey() + ": the pruned weights are the layer's smallest");
            assertTrue(largestPruned > 0, e.getKey() + ": something was pruned");
        }
    }

    @Test
    void theReinitialisedControlIsAFreshGlorotDrawUnderTheTicketsMask() {
        DataSplit d = PruneRunTest.synthetic(8, 1);
        var config = Models.defaultConfig("lenet-300-100");
        TrainConfig cfg = new TrainConfig(1, 4, 0.05, "sgd", "none", 0.9, true, 0, 0, 0, 0, 0, 3);
        var glorot = jprune.nn.models.WeightInit.GLOROT_NORMAL;
        LotteryTicket lt = new LotteryTicket(config, new LotteryRecipe(cfg, Scope.LAYER, 0.2, 0.1, glorot, 0, 0, 100), d, d, 5);
        Module ticket = glorot.build(config, 5);
        LotteryTicket.State state = new LotteryTicket.State(LotteryTicket.snapshot(ticket), ticket);
        Pruner.UNSTRUCTURED.prune(Prunable.weights(ticket), new MagnitudeCriterion(false), PruneSpec.of(0.5, Scope.LAYER));
        Module reinit = lt.reinitControl(ticket, 4), fresh = glorot.build(config, 5 + 7919L * 4);
        for (var e : Prunable.weights(ticket).entrySet()) {
            float[] mask = e.getValue().mask().data(), rw = Prunable.weights(reinit).get(e.getKey()).value().data();
            float[] fw = fresh.namedParameters().get(e.getKey()).value().data(), tw = state.rewind().get(e.getKey()).data();
            assertArrayEquals(mask, Prunable.weights(reinit).get(e.getKey()).mask().data(), e.getKey() + ": the ticket's mask");
            int same = 0;
            for (int i = 0; i < rw.length; i++) {
                assertEquals(mask[i] == 0f ? 0f : fw[i], rw[i], e.getKey() + " " + i + ": the fresh Glorot draw, masked");
                if (mask[i] != 0f && rw[i] == tw[i]) same++;
            }
            assertEquals(0, same, e.getKey() + ": no survivor keeps the ticket's initial value");
        }
        for (String b : new String[] {"fc1.bias", "fc2.bias", "fc3.bias"})
            for (float v : reinit.namedParameters().get(b).value().data()) assertEquals(0f, v, "Glorot draws leave the biases at zero: " + b);
    }

    @Test
    void withAValidationSetEveryRunReportsItsEarlyStoppingIterationWithinTheBudget() {
        DataSplit train = PruneRunTest.synthetic(240, 1), test = PruneRunTest.synthetic(64, 2);
        TrainConfig cfg = new TrainConfig(2, 20, 0.05, "sgd", "none", 0.9, true, 0, 0, 0, 0, 0, 3);
        LotteryRecipe recipe = new LotteryRecipe(cfg, Scope.LAYER, 0.5, 0.25, jprune.nn.models.WeightInit.GLOROT_NORMAL, 0, 40, 3);
        LotteryTicket lt = new LotteryTicket(Models.defaultConfig("lenet-300-100"), recipe, train, test, 5);
        assertEquals(200, lt.trainImages());
        assertEquals(40, lt.validationImages());
        LotteryTicket.State s = lt.start();
        LotteryTicket.Round r = lt.round(1, s);
        int steps = 2 * 10; // 2 epochs of 200 images in batches of 20
        for (LotteryTicket.Result res : new LotteryTicket.Result[] {s.dense(), r.ticket(), r.reinit(), r.randomMask()}) {
            assertTrue(res.earlyStopIteration() >= 3 && res.earlyStopIteration() <= steps, "iteration " + res.earlyStopIteration());
            assertTrue(res.earlyStopIteration() % 3 == 0 || res.earlyStopIteration() == steps, "a checked iteration: " + res.earlyStopIteration());
            assertTrue(res.earlyStopAccuracy() >= 0 && res.earlyStopAccuracy() <= 1);
        }
        // The round's ticket holds the weights at the end of its budget, not the early-stopped ones: pruning goes on from those.
        assertEquals(r.ticketAccuracy(), lt.accuracy(s.ticket()));
    }
}
