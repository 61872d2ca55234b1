package jprune.nn.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import jprune.nn.Module;
import jprune.nn.data.DataSplit;
import jprune.nn.models.Models;
import jprune.tensor.Parallel;
import jprune.tensor.Rng;
import org.junit.jupiter.api.Test;

class TrainerTest {
    /** A learnable synthetic task: class c lights up a 7-pixel-wide vertical band, plus noise. */
    static DataSplit synthetic(int n, long seed) {
        Rng rng = new Rng(seed);
        float[] img = new float[n * 784];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(10);
            labels[i] = c;
            for (int p = 0; p < 784; p++) {
                int col = p % 28;
                float signal = (col >= c * 2 + 4 && col < c * 2 + 11) ? 0.8f : 0.1f;
                img[i * 784 + p] = Math.min(1f, signal + 0.2f * rng.nextFloat());
            }
        }
        return new DataSplit("synthetic", img, labels, n, 1, 28, 28, 10);
    }

    static TrainConfig cfg(int epochs, String optimizer) {
        return new TrainConfig(epochs, 32, optimizer.equals("sgd") ? 0.05 : 2e-3, optimizer, "cosine", 0.9, optimizer.equals("sgd"),
                1e-4, 0, 0.0, 0, 0, 11);
    }

    @Test
    void everyModelLearnsTheSyntheticTask() {
        DataSplit train = synthetic(512, 1), test = synthetic(200, 2);
        for (String name : Models.NAMES) {
            Module m = Models.build(Models.defaultConfig(name), 3);
            List<EpochRecord> h = new Trainer(m, cfg(name.equals("vit-tiny") ? 4 : 2, name.equals("vit-tiny") ? "adamw" : "sgd"), train, test, null).fit();
            double acc = h.get(h.size() - 1).testAccuracy();
            assertTrue(h.get(h.size() - 1).loss() < h.get(0).loss() || acc > 0.9, name + " loss did not fall: " + h);
            assertTrue(acc > 0.5, name + " reached only " + acc);
        }
    }

    @Test
    void sameSeedAndThreadsGiveIdenticalWeightsAndMetrics() {
        DataSplit train = synthetic(256, 5), test = synthetic(64, 6);
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(2);
            for (String name : List.of("lenet-5", "convnet")) {
                Module a = Models.build(Models.defaultConfig(name), 9), b = Models.build(Models.defaultConfig(name), 9);
                List<EpochRecord> ha = new Trainer(a, cfg(1, "sgd"), train, test, null).fit();
                List<EpochRecord> hb = new Trainer(b, cfg(1, "sgd"), train, test, null).fit();
                assertEquals(ha.get(0).loss(), hb.get(0).loss(), 0.0, name);
                assertEquals(ha.get(0).testAccuracy(), hb.get(0).testAccuracy(), 0.0, name);
                a.stateDict().forEach((k, t) -> assertArrayEquals(t.data(), b.stateDict().get(k).data(), name + " " + k));
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void stepHooksSeeEveryStep() {
        DataSplit train = synthetic(100, 1);
        int[] steps = new int[1];
        new Trainer(Models.build(Models.defaultConfig("lenet-300-100"), 1), cfg(2, "sgd"), train, null, null)
                .addStepHook((step, epoch) -> assertEquals(steps[0]++, step)).fit();
        assertEquals(2 * 4, steps[0]);
    }
}
