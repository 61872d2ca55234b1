package jprune.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrainConfigTest {
    @Test
    void builderSetsEveryField() {
        TrainConfig c = TrainConfig.builder().epochs(3).batchSize(64).lr(0.01).optimizer("adamw").schedule("step").momentum(0.5)
                .nesterov(false).weightDecay(0.02).warmupEpochs(1).labelSmoothing(0.1).l1(1e-5).l2(2e-5).seed(9).build();
        assertEquals(new TrainConfig(3, 64, 0.01, OptimizerKind.ADAMW, LrScheduleKind.STEP, 0.5, false, 0.02, 1, 0.1, 1e-5, 2e-5, 9), c);
        assertEquals(c, c.toBuilder().build(), "toBuilder keeps every field");
    }

    @Test
    void positionalNamesParseToTheEnums() {
        TrainConfig c = new TrainConfig(2, 32, 0.05, "sgd", "exponential", 0.9, true, 0, 0, 0, 0, 0, 1);
        assertEquals(OptimizerKind.SGD, c.optimizer());
        assertEquals(LrScheduleKind.EXPONENTIAL, c.schedule());
        assertEquals("exponential", c.schedule().toString(), "printed as the name recipes use");
    }

    @Test
    void unknownNamesListTheAllowedOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().optimizer("adam"));
        assertEquals("optimizer must be one of [sgd, adamw], got 'adam'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().schedule("linear"));
        assertEquals("schedule must be one of [none, cosine, step, exponential], got 'linear'", e.getMessage());
    }

    @Test
    void buildValidatesWithFieldNames() {
        var e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().epochs(-1).build());
        assertTrue(e.getMessage().startsWith("epochs must be >= 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().lr(0).build());
        assertTrue(e.getMessage().startsWith("learning rate must be > 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().epochs(2).warmupEpochs(3).build());
        assertTrue(e.getMessage().startsWith("warm-up epochs must be in [0, epochs]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().optimizer((OptimizerKind) null).build());
        assertTrue(e.getMessage().startsWith("optimizer must be one of [sgd, adamw]"), e.getMessage());
    }

    @Test
    void defaultsAreUnchanged() {
        assertEquals(new TrainConfig(20, 128, 0.05, "sgd", "cosine", 0.9, true, 1e-4, 0, 0.0, 0, 0, 0), TrainConfig.defaults("lenet-5"));
        assertEquals(new TrainConfig(12, 128, 0.05, "sgd", "cosine", 0.9, true, 5e-4, 0, 0.0, 0, 0, 0), TrainConfig.defaults("convnet"));
        assertEquals(new TrainConfig(15, 128, 2e-3, "adamw", "cosine", 0.9, false, 0.05, 1, 0.1, 0, 0, 0), TrainConfig.defaults("vit-tiny"));
    }
}
