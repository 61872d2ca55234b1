package jprune.deploy.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Losses;
import jprune.nn.autograd.Variable;
import jprune.nn.data.Batches;
import jprune.nn.data.DataSplit;
import jprune.nn.layers.Flatten;
import jprune.nn.layers.Linear;
import jprune.nn.layers.ReLU;
import jprune.nn.layers.Sequential;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import jprune.prune.Prunable;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

class CentroidFineTunerTest {
    static final int SIDE = 8, CLASSES = 4;

    /** Class c brightens a 2-pixel-wide vertical band at column 2c a little, under heavy noise: learnable, not trivially. */
    static DataSplit bands(int n, long seed) {
        Rng rng = new Rng(seed);
        int px = SIDE * SIDE;
        float[] img = new float[n * px];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(CLASSES);
            labels[i] = c;
            for (int p = 0; p < px; p++) {
                int col = p % SIDE;
                img[i * px + p] = (col / 2 == c ? 0.12f : 0f) + 0.88f * rng.nextFloat();
            }
        }
        return new DataSplit("bands", img, labels, n, 1, SIDE, SIDE, CLASSES);
    }

    static Module model(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Flatten(), new Linear(SIDE * SIDE, 24, true, rng), new ReLU(), new Linear(24, CLASSES, true, rng));
    }

    static TrainConfig sgd(int epochs, double lr) {
        return new TrainConfig(epochs, 32, lr, "sgd", "none", 0.9, false, 0, 0, 0, 0, 0, 21);
    }

    /** Mean cross-entropy over the split, as the trainer sees it (normalized), without a graph. */
    static double loss(Module m, DataSplit split) {
        m.train(false);
        double sum = 0;
        try (var _ = GradMode.noGrad()) {
            for (Batches.Batch b : new Batches(split, 256, false, 0, true).epoch(0))
                sum += Losses.crossEntropy(m.forward(Variable.constant(b.x())), b.labels(), 0f).value().item() * b.size();
        }
        return sum / split.count();
    }

    /** A trained model with half of each weight pruned by magnitude under a mask. */
    static Module trainedAndPruned(DataSplit train) {
        Module m = model(5);
        new Trainer(m, sgd(3, 0.05), train, null, null).fit();
        for (Parameter p : Prunable.weights(m).values()) {
            float[] w = p.value().data(), mask = new float[w.length];
            float[] mags = new float[w.length];
            for (int i = 0; i < w.length; i++) mags[i] = Math.abs(w[i]);
            java.util.Arrays.sort(mags);
            float threshold = mags[w.length / 2];
            for (int i = 0; i < w.length; i++) mask[i] = Math.abs(w[i]) >= threshold ? 1f : 0f;
            p.setMask(Tensor.of(mask, p.shape()));
        }
        return m;
    }

    static Module copyOf(Module trained) {
        Module m = model(5);
        m.loadStateDict(trained.stateDict(), k -> false);
        var src = Prunable.weights(trained);
        Prunable.weights(m).forEach((name, p) -> p.setMask(src.get(name).mask().copy()));
        return m;
    }

    @Test
    void fineTunedWeightsTakeOnlyCodebookValuesAndPrunedOnesStayZero() {
        DataSplit train = bands(256, 1);
        Module m = trainedAndPruned(train);
        Map<String, Parameter> weights = Prunable.weights(m);
        Map<String, float[]> masks = new java.util.HashMap<>();
        weights.forEach((n, p) -> masks.put(n, p.mask().data().clone()));
        CentroidFineTuner tuner = CentroidFineTuner.forModel(m, new KMeansQuantizer(2), 1.0);
        Map<String, float[]> before = new java.util.HashMap<>();
        tuner.sharedWeights().forEach((n, s) -> before.put(n, s.codebook()));
        tuner.fit(m, sgd(2, 0.02), train, null, null);
        weights.forEach((name, p) -> {
            SharedWeights s = tuner.sharedWeights().get(name);
            float[] w = p.value().data(), mask = masks.get(name), codebook = s.codebook();
            assertFalse(java.util.Arrays.equals(before.get(name), codebook), name + ": the codebook did not move");
            assertArrayEquals(s.decode(), w, name);
            for (int i = 0; i < w.length; i++) {
                if (mask[i] == 0f) assertEquals(0, Float.floatToRawIntBits(w[i]), name + " pruned entry " + i);
                else {
                    int idx = i;
                    assertTrue(w[i] == 0f || java.util.stream.IntStream.range(0, codebook.length).anyMatch(j -> codebook[j] == w[idx]),
                            name + " entry " + i + " = " + w[i] + " is not in the codebook");
                }
            }
        });
    }

    /**
     * Two-bit sharing of a small trained network costs it a lot; with the same data, seed and
     * schedule, letting the centroids train (biases train in both runs) must recover more of it than
     * keeping them frozen. Checked over several seeds of the data so it is not one lucky draw.
     */
    @Test
    void trainingTheCentroidsLowersTheLossMoreThanFreezingThem() {
        for (long seed = 1; seed <= 3; seed++) {
            DataSplit train = bands(384, seed);
            Module trained = trainedAndPruned(train);
            Module frozen = copyOf(trained), tuned = copyOf(trained);
            CentroidFineTuner.forModel(frozen, new KMeansQuantizer(2), 0.0).fit(frozen, sgd(2, 0.02), train, null, null);
            CentroidFineTuner t = CentroidFineTuner.forModel(tuned, new KMeansQuantizer(2), 1.0);
            double quantized = loss(tuned, train);
            t.fit(tuned, sgd(2, 0.02), train, null, null);
            double lf = loss(frozen, train), lt = loss(tuned, train);
            System.out.printf("seed %d: trained %.4f, 2-bit shared %.4f, biases only %.4f, centroids too %.4f%n",
                    seed, loss(trained, train), quantized, lf, lt);
            assertTrue(lt < lf, "seed " + seed + ": fine-tuned centroids reach " + lt + ", frozen " + lf);
        }
    }

    @Test
    void aStepMovesEachCentroidBySummedGradientTimesScaledRateAndRewritesTheWeight() {
        Parameter p = new Parameter(Tensor.of(new float[] {0.5f, 0f, -0.5f, 0.5f, 0f, -0.5f}, 2, 3), Parameter.Kind.WEIGHT);
        CentroidFineTuner t = new CentroidFineTuner(Map.of("w", p), new KMeansQuantizer(2), 0.5);
        SharedWeights s = t.sharedWeights().get("w");
        float lo = s.centroid(0), hi = s.centroid(3);
        p.accumulateGrad(Tensor.of(new float[] {1f, 7f, 2f, 3f, 7f, 4f}, 2, 3)); // the 7s sit on pruned zeros
        p.value().data()[1] = 9f; // as if an optimizer had moved a pruned weight
        t.step(0.1);
        assertEquals(hi - 0.05f * (1 + 3), s.centroid(3), 1e-6f);
        assertEquals(lo - 0.05f * (2 + 4), s.centroid(0), 1e-6f);
        assertArrayEquals(new float[] {s.centroid(3), 0, s.centroid(0), s.centroid(3), 0, s.centroid(0)}, p.value().data());
    }

    @Test
    void rejectsABadScaleAndAModelThatDoesNotOwnTheLayers() {
        Module m = model(1);
        assertThrows(IllegalArgumentException.class, () -> CentroidFineTuner.forModel(m, new KMeansQuantizer(3), -1));
        assertThrows(IllegalArgumentException.class, () -> CentroidFineTuner.forModel(m, new KMeansQuantizer(3), Double.NaN));
        CentroidFineTuner t = CentroidFineTuner.forModel(m, new KMeansQuantizer(3), 1);
        assertThrows(IllegalArgumentException.class, () -> t.fit(model(2), sgd(1, 0.01), bands(32, 1), null, null));
    }
}
