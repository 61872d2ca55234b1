package jprune.deploy.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.deploy.quant.KMeansQuantizer;
import jprune.deploy.quant.SharedWeights;
import jprune.nn.Module;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.nn.models.ModelConfig;
import jprune.nn.models.Models;
import jprune.prune.MagnitudeCriterion;
import jprune.prune.Prunable;
import jprune.prune.PruneSpec;
import jprune.prune.Pruner;
import jprune.prune.Scope;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompressedModelTest {
    static float[] run(Module m, Tensor x) {
        try (var g = GradMode.noGrad()) {
            m.train(false);
            return m.forward(Variable.constant(x)).value().data();
        }
    }

    static Module pruned(ModelConfig cfg, double sparsity) {
        Module m = Models.build(cfg, 7);
        // Non-trivial batch-norm statistics, so a lost buffer would show.
        m.namedBuffers().forEach((k, t) -> {
            float[] d = t.data();
            for (int i = 0; i < d.length; i++) d[i] = k.endsWith("running_var") ? 0.5f + (i % 7) * 0.1f : (i % 5) * 0.05f;
        });
        Pruner.UNSTRUCTURED.prune(Prunable.weights(m), new MagnitudeCriterion(false), PruneSpec.of(sparsity, Scope.GLOBAL));
        return m;
    }

    static Map<String, CompressedModel.WeightPlan> plans(Module m, List<String> formats, CompressedModel.Storage storage, Map<String, SharedWeights> shared) {
        Map<String, CompressedModel.WeightPlan> p = new LinkedHashMap<>();
        int i = 0;
        for (String name : Prunable.weights(m).keySet())
            p.put(name, new CompressedModel.WeightPlan(formats.get(i++ % formats.size()), storage, shared.get(name), true));
        return p;
    }

    @Test
    void fp32ModelsComputeWhatTheMaskedModelComputesInEveryFormat(@TempDir Path dir) throws Exception {
        Tensor x = Tensor.uniform(new Rng(3), 0f, 1f, 4, 1, 28, 28);
        for (String name : List.of("lenet-300-100", "lenet-5", "convnet")) {
            ModelConfig cfg = Models.defaultConfig(name);
            Module m = pruned(cfg, 0.9);
            float[] expected = run(m, x);
            Path f = dir.resolve(name + ".jpz");
            long bytes = CompressedModel.write(f, cfg, m, plans(m, List.of("csr", "bitmask", "dense", "block4x4"), CompressedModel.Storage.F32, Map.of()), Map.of("k", "v"));
            assertEquals(Files.size(f), bytes);
            CompressedModel.Loaded back = CompressedModel.read(f);
            assertEquals("v", back.metadata().get("k"));
            float[] got = run(back.model(), x);
            for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got[i], 1e-4 + 1e-4 * Math.abs(expected[i]), name + " logit " + i);
            assertEquals(1, run(back.model(), Tensor.uniform(new Rng(4), 0f, 1f, 1, 1, 28, 28)).length / 10, "batch 1 works too");
        }
    }

    @Test
    void prunedFp32FilesAreFarSmallerThanDenseOnes(@TempDir Path dir) throws Exception {
        ModelConfig cfg = Models.defaultConfig("lenet-300-100");
        Module m = pruned(cfg, 0.95);
        long bytes = CompressedModel.write(dir.resolve("m.jpz"), cfg, m, plans(m, List.of("csr"), CompressedModel.Storage.F32, Map.of()), Map.of());
        long dense = 4L * m.parameterCount();
        assertTrue(bytes < dense / 10, bytes + " bytes for " + dense + " dense");
    }

    @Test
    void int8AndKmeansStayCloseAndKeepZeros(@TempDir Path dir) throws Exception {
        ModelConfig cfg = Models.defaultConfig("lenet-5");
        Tensor x = Tensor.uniform(new Rng(5), 0f, 1f, 3, 1, 28, 28);
        Module m = pruned(cfg, 0.8);
        float[] expected = run(m, x);
        double scale = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));

        Path f8 = dir.resolve("int8.jpz");
        CompressedModel.write(f8, cfg, m, plans(m, List.of("csr", "dense"), CompressedModel.Storage.INT8, Map.of()), Map.of());
        CompressedModel.Loaded q8 = CompressedModel.read(f8);
        float[] got = run(q8.model(), x);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got[i], 0.05 * scale, "int8 logit " + i);
        assertTrue(q8.weights().values().stream().allMatch(w -> w.format().endsWith("int8")), "int8 values run in int8 formats");

        Map<String, SharedWeights> shared = new LinkedHashMap<>();
        KMeansQuantizer km = new KMeansQuantizer(6);
        Prunable.weights(m).forEach((name, p) -> {
            SharedWeights sw = km.quantize(p.value().data());
            sw.decodeInto(p.value().data());
            shared.put(name, sw);
        });
        float[] kmExpected = run(m, x);
        Path fk = dir.resolve("km.jpz");
        CompressedModel.write(fk, cfg, m, plans(m, List.of("bitmask"), CompressedModel.Storage.KMEANS, shared), Map.of());
        float[] kmGot = run(CompressedModel.read(fk).model(), x);
        for (int i = 0; i < kmExpected.length; i++) assertEquals(kmExpected[i], kmGot[i], 1e-4 + 1e-4 * Math.abs(kmExpected[i]), "k-means logit " + i);
        assertTrue(Files.size(fk) < Files.size(f8), "6-bit Huffman-coded codes are smaller than int8");
    }

    @Test
    void damagedFilesAreRejectedNeverMisread(@TempDir Path dir) throws Exception {
        ModelConfig cfg = Models.defaultConfig("lenet-300-100");
        Module m = pruned(cfg, 0.98);
        Path f = dir.resolve("m.jpz");
        CompressedModel.write(f, cfg, m, plans(m, List.of("csr"), CompressedModel.Storage.INT8, Map.of()), Map.of());
        byte[] whole = Files.readAllBytes(f);
        Path bad = dir.resolve("bad.jpz");
        Rng rng = new Rng(11);
        for (int trial = 0; trial < 200; trial++) {
            byte[] b = whole.clone();
            int at = rng.nextInt(b.length);
            if (at == 10 || at == 11) continue;
            b[at] ^= (byte) (1 + rng.nextInt(255));
            Files.write(bad, b);
            assertThrows(CompressedFormatException.class, () -> CompressedModel.read(bad), "flipped byte " + at);
        }
        for (int len : new int[] {0, 7, 19, whole.length / 2, whole.length - 1}) {
            Files.write(bad, java.util.Arrays.copyOf(whole, len));
            assertThrows(CompressedFormatException.class, () -> CompressedModel.read(bad), "cut at " + len);
        }
    }

    @Test
    void aFileForAnotherArchitectureIsRejected(@TempDir Path dir) throws Exception {
        ModelConfig cfg = Models.defaultConfig("lenet-300-100");
        Module m = pruned(cfg, 0.5);
        Path f = dir.resolve("m.jpz");
        // The writer refuses to claim a wider model than the tensors hold ...
        var refused = assertThrows(IllegalArgumentException.class, () -> CompressedModel.write(f, cfg.with("hidden", List.of(301L, 100L)), m, Map.of(), Map.of()));
        assertTrue(refused.getMessage().contains("has shape [300, 784], the lenet-300-100 its config builds has [301, 784]"), refused.getMessage());
        assertFalse(Files.exists(f));
        // ... and the reader rejects a file whose manifest does: shapes disagree with the config on load.
        CompressedModel.write(f, cfg, m, Map.of(), Map.of());
        CompressedFile.Contents c = CompressedFile.read(f);
        Map<String, Object> manifest = new LinkedHashMap<>(c.manifest());
        manifest.put("model_config", cfg.with("hidden", List.of(301L, 100L)).toMap());
        CompressedFile.write(f, manifest, c.blobs());
        var e = assertThrows(CompressedFormatException.class, () -> CompressedModel.read(f));
        assertTrue(e.getMessage().contains("shape"), e.getMessage());
    }

    @Test
    void denseConvolutionsStayConvolutionsSoThePlanFusesThem(@TempDir Path dir) throws Exception {
        ModelConfig cfg = Models.defaultConfig("convnet");
        Module m = pruned(cfg, 0.5);
        Tensor x = Tensor.uniform(new Rng(5), 0f, 1f, 2, 1, 28, 28);
        for (CompressedModel.Storage storage : List.of(CompressedModel.Storage.F32, CompressedModel.Storage.INT8)) {
            Path f = dir.resolve(storage + ".jpz");
            CompressedModel.write(f, cfg, m, plans(m, List.of("dense"), storage, Map.of()), Map.of());
            Module back = CompressedModel.read(f).model();
            for (var e : back.namedModules().entrySet()) {
                assertFalse(e.getValue() instanceof jprune.deploy.SparseConv2d, storage + ": " + e.getKey() + " became a SparseConv2d");
            }
            float[] expected = run(m, x), got = run(back, x);
            double tol = storage == CompressedModel.Storage.F32 ? 1e-4 : 0.05;
            for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got[i], tol * (1 + Math.abs(expected[i])), storage + " logit " + i);
        }
    }

    @Test
    void theWriterRefusesWhatTheReaderWouldReject(@TempDir Path dir) throws Exception {
        ModelConfig cfg = Models.defaultConfig("lenet-300-100");
        Module dense = Models.build(cfg, 1);
        Path f = dir.resolve("m.jpz");
        var e = assertThrows(IllegalArgumentException.class,
                () -> CompressedModel.write(f, cfg, dense, plans(dense, List.of("2:4"), CompressedModel.Storage.F32, Map.of()), Map.of()));
        assertTrue(e.getMessage().contains("cannot be stored as 2:4") && e.getMessage().contains("not 2:4 sparse"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CompressedModel.write(f, Models.defaultConfig("lenet-5"), dense, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("lenet-5"), e.getMessage());
        assertFalse(Files.exists(f));

        Path ck = dir.resolve("m.safetensors");
        e = assertThrows(IllegalArgumentException.class, () -> jprune.nn.io.ModelCheckpoint.save(ck, Models.defaultConfig("lenet-5"), dense, Map.of()));
        assertTrue(e.getMessage().contains("lenet-5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> jprune.nn.io.ModelCheckpoint.save(ck, cfg, dense, Map.of("masked", "oops")));
        assertTrue(e.getMessage().contains("'masked' is jprune's own"), e.getMessage());
        assertFalse(Files.exists(ck));
        jprune.nn.io.ModelCheckpoint.save(ck, cfg, dense, Map.of("note", "fine"));
        assertEquals("fine", jprune.nn.io.ModelCheckpoint.load(ck).metadata().get("note"));
    }
}
