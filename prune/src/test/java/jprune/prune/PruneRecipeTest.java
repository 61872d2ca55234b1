package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.data.DataSplit;
import jprune.nn.io.Json;
import jprune.nn.models.ModelConfig;
import jprune.nn.models.Models;
import jprune.nn.train.OptimizerKind;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import org.junit.jupiter.api.Test;

class PruneRecipeTest {
    @Test
    void jsonRoundTripKeepsEveryField() {
        PruneRecipe r = PruneRecipe.builder().from("runs/x").sparsity(0.8).criterion("taylor").granularity("block:2x2").scope("layer")
                .schedule("iterative:3").keep(List.of("fc3\\..*")).overrides(List.of("fc1\\..*=0.9")).maxLayerSparsity(0.95)
                .finetuneEpochs(4).finetuneLr(0.02).finetuneOptimizer("adamw").finetuneSchedule("none").finetuneBatch(64)
                .finetuneWeightDecay(0).l1(1e-6).l2(2e-6).seed(7).build();
        assertEquals(r, PruneRecipe.fromJson(r.toJson(), true));
        assertEquals(0.02, r.finetuneConfig("vit-tiny").lr());
        assertEquals(OptimizerKind.ADAMW, r.finetuneConfig("lenet-5").optimizer());
        assertEquals(new SparsitySchedule.Iterative(3), r.sparsitySchedule(r.finetuneConfig("lenet-5"), 1000));
    }

    @Test
    void defaultsAreTheCommandLines() {
        PruneRecipe r = PruneRecipe.fromJson("{\"model\":\"lenet-5\",\"sparsity\":0.5}", true);
        assertEquals(PruneRecipe.builder().model("lenet-5").sparsity(0.5).build(), r);
        assertEquals("magnitude", r.criterion());
        assertEquals("agp", r.schedule());
        assertEquals(12, r.finetuneEpochs());
        assertTrue(Double.isNaN(r.finetuneLr()), "the rate follows the model unless set");
        assertEquals(0.05, r.finetuneConfig("lenet-5").lr(), "SGD-trained models fine-tune at their own rate");
        assertEquals(OptimizerKind.SGD, r.finetuneConfig("lenet-5").optimizer());
        assertEquals(1e-4, r.finetuneConfig("lenet-5").weightDecay());
        // An AdamW-trained transformer fine-tunes with AdamW at a quarter of its rate, with its weight decay.
        TrainConfig vit = r.finetuneConfig("vit-tiny");
        assertEquals(OptimizerKind.ADAMW, vit.optimizer());
        assertEquals(5e-4, vit.lr(), 1e-12);
        assertEquals(0.05, vit.weightDecay());
        // Choosing SGD for it gives SGD's defaults.
        TrainConfig sgd = r.toBuilder().finetuneOptimizer("sgd").build().finetuneConfig("vit-tiny");
        assertEquals(0.01, sgd.lr());
        assertEquals(1e-4, sgd.weightDecay());
        Map<?, ?> f = (Map<?, ?>) r.toMap().get("finetune");
        assertFalse(f.containsKey("lr") || f.containsKey("optimizer") || f.containsKey("weight_decay"), "unset fields are not written: " + f);
    }

    @Test
    void nmImpliesItsSparsityAndRejectsAnother() {
        assertEquals(0.5, PruneRecipe.builder().granularity("2:4").build().sparsity());
        RecipeException e = assertThrows(RecipeException.class, () -> PruneRecipe.builder().granularity("2:4").sparsity(0.9).build());
        assertEquals("sparsity", e.field());
        assertTrue(e.getMessage().contains("contradicts"), e.getMessage());
        e = assertThrows(RecipeException.class, () -> PruneRecipe.builder().build());
        assertEquals("recipe field 'sparsity' is required for unstructured pruning", e.getMessage());
    }

    @Test
    void invalidFieldsAreNamedWithTheAllowedValues() {
        Object[][] cases = {
            {"{\"model\":\"lenet-5\",\"sparsity\":1.5}", "sparsity", "[0, 1)"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"colour\":1}", "colour", "allowed"},
            {"{\"model\":\"lenet-5\",\"granularity\":\"4:4\"}", "granularity", "N < M"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"granularity\":\"rows\"}", "granularity", "block:RxC"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"criterion\":\"hebbian\"}", "criterion", "magnitude-l2"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"criterion\":\"movement\",\"schedule\":\"oneshot\"}", "criterion", "agp"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"schedule\":\"iterative:0\"}", "schedule", "iterative:R"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"scope\":\"everywhere\"}", "scope", "global"},
            {"{\"model\":\"lenet-5\",\"sparsity\":\"half\"}", "sparsity", "a number"},
            {"{\"model\":\"lenet-5\",\"sparsity\":\"0.9\"}", "sparsity", "got the string \"0.9\""},
            {"{\"model\":\"lenet-5\",\"from\":\"x\",\"sparsity\":0.5}", "from", "exactly one"},
            {"{\"sparsity\":0.5}", "from", "exactly one"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"finetune\":{\"epochs\":-1}}", "finetune.epochs", ">= 0"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"finetune\":{\"optimizer\":\"adam\"}}", "finetune", "optimizer must be one of [sgd, adamw]"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"finetune\":{\"momentum\":0.5}}", "finetune.momentum", "allowed"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"finetune\":{\"batch\":0}}", "finetune", "batch"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"regularization\":{\"l1\":-1}}", "finetune", "L1"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"regularization\":{\"l3\":1}}", "regularization.l3", "allowed"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"keep\":[\"fc(\"]}", "keep", "regular expression"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"overrides\":[\"fc1\"]}", "overrides", "REGEX=SPARSITY"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"overrides\":[\"fc1=2\"]}", "overrides", "[0, 1)"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"max_layer_sparsity\":0}", "max_layer_sparsity", "(0, 1]"},
            {"{\"model\":\"lenet-5\",\"sparsity\":0.5,\"criterion\":\"gate\"}", "criterion", "needs a structured granularity (heads, mlp-neurons, blocks, channels, hidden)"},
            {"{\"model\":\"vit-tiny\",\"sparsity\":0.5,\"criterion\":\"skip-loss\",\"granularity\":\"heads\"}", "criterion", "needs granularity blocks"},
        };
        for (Object[] c : cases) {
            RecipeException e = assertThrows(RecipeException.class, () -> PruneRecipe.fromJson((String) c[0], true), (String) c[0]);
            assertEquals(c[1], e.field(), c[0] + " -> " + e.getMessage());
            assertTrue(e.getMessage().startsWith("recipe field '" + c[1] + "'"), e.getMessage());
            assertTrue(e.getMessage().contains((String) c[2]), c[0] + " -> " + e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> PruneRecipe.fromJson("{\"model\":", true), "invalid JSON");
        // From Java, a null is a missing choice, named like any other bad field; null lists are empty.
        assertEquals("criterion", assertThrows(RecipeException.class, () -> PruneRecipe.builder().sparsity(0.5).criterion(null).build()).field());
        assertEquals("scope", assertThrows(RecipeException.class, () -> PruneRecipe.builder().sparsity(0.5).scope(null).build()).field());
        assertTrue(PruneRecipe.builder().sparsity(0.5).keep(null).overrides(null).build().keep().isEmpty());
    }

    @Test
    void iterativeHeadPruningOnAVisionTransformerEndsCompacted() {
        DataSplit train = PruneRunTest.synthetic(128, 1), test = PruneRunTest.synthetic(64, 2);
        ModelConfig config = Models.defaultConfig("vit-tiny");
        Module model = Models.build(config, 3);
        PruneRecipe recipe = PruneRecipe.builder().granularity("heads").criterion("taylor").scope("layer").sparsity(0.5).schedule("iterative:2")
                .finetuneEpochs(1).finetuneBatch(32).seed(1).build();
        PruneRecipe.Result r = recipe.run(model, config, train, test, null);
        assertEquals(2, r.rounds().size());
        assertEquals(List.of(2, 2, 2, 2), r.groups().stream().map(PruneRecipe.GroupCount::after).toList());
        assertEquals(2L, r.config().values().get("heads"));
        assertEquals(r.rounds().get(1).accuracy(), Trainer.accuracy(r.model(), test, 256), 1e-9, "the compacted model computes what the masked one did");
    }

    @Test
    @SuppressWarnings("unchecked")
    void runPrunesFineTunesAndCompactsChannels() {
        DataSplit train = PruneRunTest.synthetic(256, 1), test = PruneRunTest.synthetic(100, 2);
        ModelConfig config = Models.defaultConfig("lenet-300-100");
        Module dense = Models.build(config, 3);
        new Trainer(dense, PruneRunTest.cfg(1), train, test, null).fit();
        PruneRecipe recipe = PruneRecipe.builder().granularity("channels").scope("layer").sparsity(0.5).schedule("oneshot")
                .finetuneEpochs(1).finetuneBatch(32).seed(1).build();
        PruneRecipe.Result r = recipe.run(dense, config, train, test, null);
        assertTrue(r.compacted());
        assertNotSame(dense, r.model(), "channel pruning returns the compacted model");
        assertEquals(List.of("fc1", "fc2"), r.groups().stream().map(PruneRecipe.GroupCount::name).toList());
        assertEquals(List.of(300, 100), r.groups().stream().map(PruneRecipe.GroupCount::before).toList());
        assertEquals(List.of(150, 50), r.groups().stream().map(PruneRecipe.GroupCount::after).toList());
        for (PruneRecipe.GroupCount c : r.groups()) {
            assertEquals(c.before() - c.after(), c.removed().size(), c.name());
            assertEquals(c.removed().stream().sorted().distinct().toList(), c.removed(), "removed indices ascending, each once");
        }
        assertTrue(r.model().parameterCount() < dense.parameterCount() / 2, "compacted: " + r.model().parameterCount());
        assertEquals(1, r.rounds().size());
        // The compacted model computes what the masked one did.
        assertEquals(r.rounds().get(0).accuracy(), Trainer.accuracy(r.model(), test, 256), 1e-9);
        Map<String, Object> json = r.recipeJson();
        assertEquals(0.05, ((Map<String, Object>) json.get("finetune")).get("lr"), "the rate as run is recorded");
        assertEquals(r.config().toMap(), json.get("model_config"));
        assertEquals(recipe.toBuilder().finetuneLr(0.05).finetuneOptimizer("sgd").finetuneWeightDecay(1e-4).build(),
                PruneRecipe.fromJson(Json.write(json, true), false), "a run's recipe reads back as the same recipe, its defaults pinned");
    }

    @Test
    void gradualRunsRecordTheirSteps() {
        DataSplit train = PruneRunTest.synthetic(256, 1), test = PruneRunTest.synthetic(64, 2);
        ModelConfig config = Models.defaultConfig("lenet-300-100");
        Module m = Models.build(config, 3);
        PruneRecipe.Result r = PruneRecipe.builder().sparsity(0.8).finetuneEpochs(2).finetuneBatch(32).build().run(m, config, train, test, null);
        assertSame(m, r.model(), "masked in place");
        assertFalse(r.compacted());
        assertEquals(0.8, r.stats().sparsity(), 1e-4);
        assertEquals(2, r.rounds().size(), "one round per fine-tuning epoch");
        assertEquals(PruneRun.defaultGradual(r.finetune(), 256), r.schedule());
        assertTrue(r.recipeJson().containsKey("agp"));
    }
}
