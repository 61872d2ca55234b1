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
}
