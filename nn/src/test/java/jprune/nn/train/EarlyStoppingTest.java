package jprune.nn.train;

import static org.junit.jupiter.api.Assertions.*;

import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.layers.Linear;
import jprune.nn.layers.Sequential;
import jprune.tensor.Rng;
import org.junit.jupiter.api.Test;

class EarlyStoppingTest {
    /** A one-layer model whose first weight the test sets to the step number, so a saved state says which step it came from. */
    private static Module model() {
        return new Sequential().add("fc", new Linear(3, 2, true, new Rng(1)));
    }

    private static Parameter first(Module m) {
        return m.namedParameters().get("fc.weight");
    }

    @Test
    void keepsTheStateAtTheMinimumValidationLossAndTheFirstOfEqualMinima() {
        Module m = model();
        // Loss checked every 2 steps: at steps 2, 4, 6, 8, 10 and (finish) 11.
        double[] lossAtStep = {0, 0, 3.0, 0, 2.0, 0, 1.5, 0, 1.7, 0, 1.5, 1.6};
        EarlyStopping es = new EarlyStopping(m, mm -> lossAtStep[(int) first(mm).value().data()[0]], 2);
        for (int step = 0; step < 11; step++) {
            first(m).value().data()[0] = step + 1;
            es.afterStep(step, 0);
        }
        assertEquals(6, es.bestIteration(), "the minimum 1.5 first reached at step 6 (the later 1.5 at step 10 does not replace it)");
        assertEquals(1.5, es.bestLoss());
        assertEquals(6f, es.bestState().get("fc.weight").data()[0], "the saved weights are those of step 6");
        es.finish();
        assertEquals(6, es.bestIteration(), "the last, partial interval was checked (1.6) and did not win");
    }

    @Test
    void finishChecksALastStepOffTheIntervalAndAtBestRestoresTheFinalWeights() {
        Module m = model();
        double[] lossAtStep = {0, 0, 0, 0.9, 0, 0, 0.8, 0.1};
        EarlyStopping es = new EarlyStopping(m, mm -> lossAtStep[(int) first(mm).value().data()[0]], 3);
        for (int step = 0; step < 7; step++) {
            first(m).value().data()[0] = step + 1;
            es.afterStep(step, 0);
        }
        assertEquals(6, es.bestIteration());
        first(m).value().data()[0] = 7;
        es.afterStep(6, 0);
        es.finish();
        assertEquals(7, es.bestIteration(), "the final step, off the 3-step interval, has the lowest loss");
        first(m).value().data()[0] = 42;
        es.bestState().get("fc.weight").data()[0] = 7;
        assertEquals(7f, es.atBest(() -> first(m).value().data()[0]));
        assertEquals(42f, first(m).value().data()[0], "the final weights are back after measuring the early-stopped ones");
    }

    @Test
    void anIntervalBelowOneIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new EarlyStopping(model(), mm -> 0, 0));
        assertThrows(IllegalStateException.class, () -> new EarlyStopping(model(), mm -> 0, 1).atBest(() -> 0));
    }
}
