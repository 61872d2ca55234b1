package jprune.nn.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import jprune.nn.Module;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.nn.layers.AvgPool2d;
import jprune.nn.layers.BatchNorm2d;
import jprune.nn.layers.Conv2d;
import jprune.nn.layers.Flatten;
import jprune.nn.layers.Linear;
import jprune.nn.layers.MaxPool2d;
import jprune.nn.layers.ReLU;
import jprune.nn.layers.Sequential;
import jprune.nn.layers.Tanh;
import jprune.nn.models.ModelConfig;
import jprune.nn.models.Models;
import jprune.tensor.Parallel;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

class InferencePlanTest {
    /** A reference model with batch-norm statistics and affine parameters away from their initial values. */
    static Module model(ModelConfig cfg, long seed) {
        Module m = Models.build(cfg, seed);
        Rng rng = new Rng(seed + 1);
        m.namedModules().values().forEach(mod -> {
            if (mod instanceof BatchNorm2d bn) {
                for (int c = 0; c < bn.channels(); c++) {
                    bn.runningMean().data()[c] = rng.nextFloat() - 0.5f;
                    bn.runningVar().data()[c] = 0.5f + rng.nextFloat();
                    bn.weight().value().data()[c] = 0.5f + rng.nextFloat();
                    bn.bias().value().data()[c] = rng.nextFloat() - 0.5f;
                }
            }
        });
        return m.train(false);
    }

    static Tensor images(int n, int c, int h, int w, long seed) {
        Rng rng = new Rng(seed);
        return Tensor.uniform(rng, 0f, 1f, n, c, h, w);
    }

    static float[] forward(Module m, Tensor x) {
        try (var g = GradMode.noGrad()) {
            return m.forward(Variable.constant(x)).value().data();
        }
    }

    static List<ModelConfig> configs() {
        return List.of(Models.defaultConfig("lenet-300-100"), Models.defaultConfig("lenet-5"), Models.defaultConfig("convnet"),
                // Compacted widths, as channel pruning leaves them: partial vectors and filter blocks.
                Models.defaultConfig("lenet-5").with("conv", List.of(3L, 8L)).with("fc", List.of(60L, 42L)),
                Models.defaultConfig("convnet").with("conv", List.of(16L, 32L, 64L)).with("fc", List.of(128L)));
    }

    @Test
    void referenceModelsComputeWhatTheLayersComputeBitForBit() {
        for (ModelConfig cfg : configs()) {
            Module m = model(cfg, 3);
            InferencePlan plan = InferencePlan.compile(m, 1, 28, 28);
            Tensor x = images(40, 1, 28, 28, 4);
            float[] expected = forward(m, x), got = plan.forward(x).data();
            // From 40 samples on, every layer's GEMM (up to the compacted convnet's 576→128) runs one
            // multiply-add chain per output in input order rather than its dot-product route.
            assertArrayEquals(expected, got, cfg + " " + plan);
            // One image: the linear layers' GEMM may take its dot-product route, which sums in another order.
            float[] one = forward(m, images(1, 1, 28, 28, 4));
            assertClose(one, plan.forward(images(1, 1, 28, 28, 4)).data(), 1e-5, cfg.toString());
        }
    }

    @Test
    void aSampleGetsTheSameLogitsInAnyBatchAndWithAnyThreadCount() {
        int saved = Parallel.threads();
        try {
            for (ModelConfig cfg : configs()) {
                Module m = model(cfg, 5);
                InferencePlan plan = InferencePlan.compile(m, 1, 28, 28);
                Tensor x = images(70, 1, 28, 28, 6);
                Parallel.setThreads(2);
                float[] batch = plan.forward(x).data();
                Parallel.setThreads(1);
                assertArrayEquals(batch, plan.forward(x).data(), cfg + ": 1 vs 2 threads");
                int out = plan.outputSize();
                // Alone at 2 threads, convnet's big convolutions split one image's tiles across threads.
                for (int threads : new int[] {2, 1}) {
                    Parallel.setThreads(threads);
                    for (int i : new int[] {0, 33, 69}) {
                        float[] one = plan.forward(Tensor.of(java.util.Arrays.copyOfRange(x.data(), i * 784, (i + 1) * 784), 1, 1, 28, 28)).data();
                        assertArrayEquals(java.util.Arrays.copyOfRange(batch, i * out, (i + 1) * out), one, cfg + ": sample " + i + " alone, " + threads + " threads");
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void theCallerFinishesABatchAloneWhenTheHelperThreadIsBusy() throws Exception {
        int saved = Parallel.threads();
        Parallel.setThreads(2);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try {
            Module m = model(Models.defaultConfig("lenet-5"), 15);
            InferencePlan plan = InferencePlan.compile(m, 1, 28, 28);
            Tensor x = images(64, 1, 28, 28, 16);
            float[] expected = forward(m, x);
            // The pool's only thread is held until the plan has finished: the call must not wait for it.
            Parallel.help(1, () -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            float[] got = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> plan.forward(x).data());
            assertArrayEquals(expected, got);
            // One convnet image shares its convolutions' tiles out: the caller computes them all itself.
            Module cm = model(Models.defaultConfig("convnet"), 15);
            InferencePlan cp = InferencePlan.compile(cm, 1, 28, 28);
            Tensor one = images(1, 1, 28, 28, 17);
            Parallel.setThreads(1);
            float[] alone = cp.forward(one).data();
            Parallel.setThreads(2);
            assertArrayEquals(alone, org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> cp.forward(one).data()));
        } finally {
            release.countDown();
            Parallel.setThreads(saved);
        }
    }

    @Test
    void layersWithoutAKernelRunAsThemselvesInTheirOwnLayout() {
        Rng rng = new Rng(7);
        // Stride 2, an unfused ReLU and pooling other than 2×2, a convolution without pooling feeding
        // a padded one, tanh and average pooling (module fallbacks), 3 input channels.
        Module m = new Sequential(
                new Conv2d(3, 20, 3, 2, 1, true, rng), new BatchNorm2d(20), new Tanh(),
                new Conv2d(20, 17, 3, 1, 1, false, rng), new Conv2d(17, 5, 5, 1, 2, true, rng), new ReLU(), new MaxPool2d(3, 2, 1),
                new Conv2d(5, 9, 3, 1, 0, true, rng), new AvgPool2d(2), new Flatten(), new ReLU(), new Linear(18, 4, false, rng), new Tanh())
                .train(false);
        InferencePlan plan = InferencePlan.compile(m, 3, 21, 19);
        String p = plan.toString();
        assertTrue(p.contains("module fallback") && p.contains("relayout"), p);
        Tensor x = images(5, 3, 21, 19, 8);
        assertClose(forward(m, x), plan.forward(x).data(), 1e-5, p);
    }

    /**
     * A module with weights that is not a Sequential and has no kernel of its own: x ↦ tanh(h) + h,
     * h = W·flatten(x); weights enough (157k) that a batch of 64 is worth splitting over threads.
     */
    static final class Unknown extends Module {
        private final Linear linear;

        Unknown(long seed) {
            linear = registerModule("linear", new Linear(784, 200, true, new Rng(seed)));
        }

        @Override
        protected Variable compute(Variable x) {
            Variable h = linear.forward(jprune.nn.autograd.Reshaping.reshape(x, x.size(0), 784));
            return jprune.nn.autograd.Arithmetic.add(jprune.nn.autograd.Activation.tanh(h), h);
        }
    }

    @Test
    void aModelThatIsNotSequentialRunsWhole() {
        Module m = new Unknown(9).train(false);
        InferencePlan plan = InferencePlan.compile(m, 1, 28, 28);
        assertTrue(plan.toString().contains("module fallback"), plan.toString());
        Tensor x = images(3, 1, 28, 28, 10);
        assertArrayEquals(forward(m, x), plan.forward(x).data());
    }

    @Test
    void aModuleWithWeightsIsSplitOverThreadsBySamplesWithTheSameResult() throws Exception {
        int saved = Parallel.threads();
        Module m = new Unknown(17).train(false);
        List<Integer> batches = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (AutoCloseable hook = m.addForwardHook((module, input, output) -> { if (module == m) batches.add(input.size(0)); })) {
            InferencePlan plan = InferencePlan.compile(m, 1, 28, 28);
            batches.clear();
            Tensor x = images(64, 1, 28, 28, 18);
            Parallel.setThreads(2);
            float[] split = plan.forward(x).data();
            // Two shares of 32 (a helper that came late may have computed its share as well, unused).
            assertTrue(batches.size() >= 2 && batches.stream().allMatch(b -> b == 32), batches.toString());
            Parallel.setThreads(1);
            assertArrayEquals(forward(m, x), split, "2 threads vs the module on the whole batch");
            assertArrayEquals(split, plan.forward(x).data(), "2 threads vs 1");
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /** A flat layer passing its inputs through, noting whether each call ran as a chunk (kernels kept serial). */
    static final class Passthrough extends Module implements FlatLayer {
        final int features;
        final long work;
        final List<Boolean> serial = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

        Passthrough(int features, long work) {
            this.features = features;
            this.work = work;
        }

        @Override
        public int inFeatures() {
            return features;
        }

        @Override
        public int outFeatures() {
            return features;
        }

        @Override
        public long work() {
            return work;
        }

        @Override
        public void infer(int m, float[] x, int xOff, int ldx, float[] y, int yOff, int ldy, Scratch scratch) {
            serial.add(Parallel.inWorker());
            for (int r = 0; r < m; r++) System.arraycopy(x, xOff + r * ldx, y, yOff + r * ldy, features);
        }

        @Override
        protected Variable compute(Variable x) {
            return x;
        }
    }

    @Test
    void atBatchOneOnlyASmallFlatLayerStaysOnTheCallingThread() {
        int saved = Parallel.threads();
        for (long work : new long[] {1000, InferencePlan.LAYER_FANOUT_NONZEROS}) {
            // A module fallback over a million values a sample: enough that its kernels may split.
            Module before = new Tanh();
            Passthrough layer = new Passthrough(2 * 512 * 1024, work);
            List<Boolean> beforeSerial = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            Module m = new Sequential(before, new Flatten(), layer).train(false);
            try (AutoCloseable hook = before.addForwardHook((module, input, output) -> beforeSerial.add(Parallel.inWorker()))) {
                InferencePlan plan = InferencePlan.compile(m, 2, 512, 1024);
                assertTrue(plan.toString().contains("module fallback") && plan.toString().contains("Passthrough"), plan.toString());
                beforeSerial.clear();
                layer.serial.clear();
                Parallel.setThreads(2);
                Tensor x = images(1, 2, 512, 1024, 3);
                float[] planned = plan.forward(x).data();
                // The layers before it may split their own work (a convolution does); a small flat
                // layer's kernels stay serial, a large one's may split.
                assertEquals(List.of(false), beforeSerial, "work " + work);
                assertEquals(List.of(work < InferencePlan.LAYER_FANOUT_NONZEROS), layer.serial, "work " + work);
                assertArrayEquals(forward(m, x), planned);
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                Parallel.setThreads(saved);
            }
        }
    }

    /** A parameter-free module declaring a sparse weight, passing its input through, noting whether each call ran as a chunk. */
    static final class SparseIdentity extends Module implements SparseLayer {
        final long nonzeros;
        final List<Boolean> serial = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

        SparseIdentity(long nonzeros) {
            this.nonzeros = nonzeros;
        }

        @Override
        public long nonzeros() {
            return nonzeros;
        }

        @Override
        protected Variable compute(Variable x) {
            serial.add(Parallel.inWorker());
            return x;
        }
    }

    @Test
    void aSmallSparseLayerRunAsAModuleStaysOnTheCallingThread() {
        int saved = Parallel.threads();
        try {
            for (long nonzeros : new long[] {1000, InferencePlan.LAYER_FANOUT_NONZEROS}) {
                SparseIdentity layer = new SparseIdentity(nonzeros);
                InferencePlan plan = InferencePlan.compile(new Sequential(layer, new Flatten()).train(false), 2, 5, 5);
                assertTrue(plan.toString().contains("SparseIdentity (module fallback)"), plan.toString());
                layer.serial.clear();
                Parallel.setThreads(2);
                Tensor x = images(1, 2, 5, 5, 4);
                assertArrayEquals(x.data(), plan.forward(x).data());
                assertEquals(List.of(nonzeros < InferencePlan.LAYER_FANOUT_NONZEROS), layer.serial, "nonzeros " + nonzeros);
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void aSmallModuleFallbackStaysOnTheCallingThread() {
        int saved = Parallel.threads();
        List<Boolean> serial = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Module tanh = new Tanh();
        try (AutoCloseable hook = tanh.addForwardHook((module, input, output) -> serial.add(Parallel.inWorker()))) {
            InferencePlan plan = InferencePlan.compile(new Sequential(tanh, new Flatten()).train(false), 2, 5, 5);
            serial.clear();
            Parallel.setThreads(2);
            Tensor x = images(1, 2, 5, 5, 5);
            float[] planned = plan.forward(x).data();
            assertEquals(List.of(true), serial, "50 values at batch 1");
            assertArrayEquals(forward(tanh, x), planned);
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void aPlanIsASnapshotOfTheWeights() {
        Module m = model(Models.defaultConfig("lenet-5"), 11);
        InferencePlan plan = InferencePlan.compile(m, 1, 28, 28);
        Tensor x = images(2, 1, 28, 28, 12);
        float[] before = plan.forward(x).data();
        m.parameters().forEach(p -> java.util.Arrays.fill(p.value().data(), 0f));
        assertArrayEquals(before, plan.forward(x).data());
        assertTrue(m.isTraining() == false);
    }

    @Test
    void rejectsInputsOfTheWrongShape() {
        InferencePlan plan = InferencePlan.compile(model(Models.defaultConfig("lenet-5"), 13), 1, 28, 28);
        assertEquals(10, plan.outputSize());
        assertThrows(IllegalArgumentException.class, () -> plan.forward(Tensor.zeros(1, 1, 28, 27)));
        assertThrows(IllegalArgumentException.class, () -> plan.run(new float[783], 1, new float[10]));
        assertThrows(IllegalArgumentException.class, () -> plan.run(new float[784], 1, new float[9]));
    }

    static void assertClose(float[] expected, float[] actual, double rtol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-6 + rtol * Math.abs(expected[i]);
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) fail(what + ": output " + i + " is " + actual[i] + ", expected " + expected[i]);
        }
    }
}
