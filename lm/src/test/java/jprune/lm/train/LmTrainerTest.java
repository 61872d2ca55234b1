package jprune.lm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jprune.lm.model.LmConfig;
import jprune.nn.Parameter;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The training loop on synthetic token streams: it learns, it repeats, it clips, it decays only matrices. */
class LmTrainerTest {
    /** A stream with a pattern a tiny model can learn: a repeating cycle of 7 tokens. */
    private static int[] cycle(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = (i * 3) % 7 + 2;
        return t;
    }

    private static LmConfig tinyLlama() {
        return new LmArchitecture("llama", 1, 16, 2, 1, 32, true, 8).config(12, null);
    }

    @Test
    void learnsARepeatingPattern() {
        TrainableDecoder m = new TrainableDecoder(tinyLlama(), 1);
        LmTrainConfig c = new LmTrainConfig(4, 8, 60, 3e-2, 5, 0.1, 0.9, 0.95, 1e-8, 0.1, 1.0, 30, 4, 2);
        LmTrainer.Result r = new LmTrainer(m, c).train(cycle(500), cycle(200), null);
        assertEquals(2, r.evals().size());
        assertEquals(30, r.evals().get(0).step());
        assertEquals(60, r.evals().get(1).step());
        assertTrue(r.evals().get(1).valLoss() < 0.3, "validation loss after 60 steps: " + r.evals().get(1).valLoss() + " (uniform over 12 is 2.48)");
    }

    @Test
    void sameSeedAndThreadsGiveTheSameWeights() {
        float[][] runs = new float[2][];
        for (int i = 0; i < 2; i++) {
            TrainableDecoder m = new TrainableDecoder(new LmArchitecture("gpt2", 1, 12, 3, 3, 24, false, 6).config(12, null), 4);
            new LmTrainer(m, new LmTrainConfig(3, 6, 5, 1e-2, 1, 0.1, 0.9, 0.95, 1e-8, 0.1, 1.0, 0, 2, 9)).train(cycle(300), null, null);
            runs[i] = flatten(m);
        }
        assertArrayEquals(runs[0], runs[1]);
        TrainableDecoder other = new TrainableDecoder(new LmArchitecture("gpt2", 1, 12, 3, 3, 24, false, 6).config(12, null), 4);
        new LmTrainer(other, new LmTrainConfig(3, 6, 5, 1e-2, 1, 0.1, 0.9, 0.95, 1e-8, 0.1, 1.0, 0, 2, 10)).train(cycle(300), null, null);
        assertFalse(java.util.Arrays.equals(runs[0], flatten(other)), "another batch seed should give other weights");
    }

    @Test
    void weightDecayGoesToMatricesOnly() {
        TrainableDecoder m = new TrainableDecoder(new LmArchitecture("llama", 2, 16, 4, 2, 32, false, 8).config(12, null), 1);
        List<String> decayed = new ArrayList<>();
        m.parameters().forEach((n, p) -> {
            if (m.decayed().contains(p)) decayed.add(n);
        });
        assertTrue(decayed.contains("lm_head.weight"));
        assertTrue(decayed.contains("model.layers.1.mlp.down_proj.weight"));
        assertEquals(2 * 7 + 1, decayed.size());
        for (Parameter p : m.notDecayed()) assertTrue(p.dim() == 1 || p.kind() == Parameter.Kind.EMBEDDING);
    }

    @Test
    void clippingScalesTheGlobalNormToTheLimit() {
        Parameter a = new Parameter(Tensor.zeros(2), Parameter.Kind.WEIGHT), b = new Parameter(Tensor.zeros(1), Parameter.Kind.BIAS);
        a.accumulateGrad(Tensor.of(new float[] {3, 0}, 2));
        b.accumulateGrad(Tensor.of(new float[] {4}, 1));
        assertEquals(5, LmTrainer.clip(List.of(a, b), 1.0), 1e-9);
        assertEquals(0.6f, a.grad().data()[0], 1e-6);
        assertEquals(0.8f, b.grad().data()[0], 1e-6);
        assertEquals(1, LmTrainer.clip(List.of(a, b), 2.0), 1e-6);
        assertEquals(0.6f, a.grad().data()[0], 1e-6);
    }

    @Test
    void badShapesAreRefusedWithTheFlagNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LmArchitecture("llama", 1, 30, 4, 4, 8, true, 8)).getMessage().contains("--heads"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LmArchitecture("llama", 1, 32, 4, 3, 8, true, 8)).getMessage().contains("--kv-heads"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LmArchitecture("bert", 1, 32, 4, 4, 8, true, 8)).getMessage().contains("--arch"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LmArchitecture("gpt2", 1, 32, 4, 2, 8, true, 8)).getMessage().contains("--kv-heads"));
    }

    private static float[] flatten(TrainableDecoder m) {
        int n = (int) m.parameterCount(), o = 0;
        float[] out = new float[n];
        for (Parameter p : m.parameters().values()) {
            System.arraycopy(p.value().data(), 0, out, o, p.numel());
            o += p.numel();
        }
        return out;
    }
}
