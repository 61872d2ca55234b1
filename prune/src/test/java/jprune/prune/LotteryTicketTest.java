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
}
