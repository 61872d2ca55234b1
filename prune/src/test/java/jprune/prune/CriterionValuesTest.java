package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import jprune.nn.Parameter;
import jprune.nn.autograd.Losses;
import jprune.nn.autograd.Variable;
import jprune.nn.data.Batches;
import jprune.nn.data.DataSplit;
import jprune.nn.layers.Flatten;
import jprune.nn.layers.Linear;
import jprune.nn.layers.Sequential;
import jprune.tensor.Rng;
import org.junit.jupiter.api.Test;

/**
 * Every data-driven criterion on a model small enough to score on paper: one 2×2 linear layer
 * without bias, W = [[2, 1], [0, 2]], and two samples that both normalise to x = (1, 2), labelled
 * 0 and 1. The logits Wx = (4, 4) are equal, so the softmax is (½, ½) and the per-sample gradient
 * (p − onehot)·xᵀ is gA = [[−½, −1], [½, 1]] for label 0 and gB = −gA for label 1.
 */
class CriterionValuesTest {
    static final float[] W = {2, 1, 0, 2};

    static Sequential model() {
        Sequential net = new Sequential(new Flatten(), new Linear(2, 2, false, new Rng(0)));
        System.arraycopy(W, 0, weight(net).value().data(), 0, 4);
        return net;
    }

    static Parameter weight(Sequential net) {
        return Prunable.weights(net).get("1.weight");
    }

    /** Two 1×1×2 images whose normalised pixels are (1, 2), with labels 0 and 1. */
    static DataSplit data() {
        float[] raw = new float[4];
        for (int n = 0; n < 2; n++) {
            raw[2 * n] = Batches.MEAN + Batches.STD * 1f;
            raw[2 * n + 1] = Batches.MEAN + Batches.STD * 2f;
        }
        return new DataSplit("two", raw, new int[] {0, 1}, 2, 1, 1, 2, 2);
    }

    static void assertScores(float[] expected, float[] actual, double tol, String what) {
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], tol, what + "[" + i + "]");
    }

    @Test
    void taylorSumsTheBatchProductsOfWeightAndGradient() {
        Sequential net = model();
        TaylorCriterion t = new TaylorCriterion();
        // Batches of one: |W ⊙ gA| + |W ⊙ gB| = 2·[[1, 1], [0, 2]].
        t.prepare(new PruneContext(net, data(), 2, 1, 0));
        assertScores(new float[] {2, 2, 0, 4}, t.score("1.weight", weight(net)).data(), 1e-5, "taylor, batch 1");
        // One batch of both: the mean gradient (gA + gB)/2 is zero, and so is every score.
        t.prepare(new PruneContext(net, data(), 1, 2, 0));
        assertScores(new float[] {0, 0, 0, 0}, t.score("1.weight", weight(net)).data(), 1e-5, "taylor, batch 2");
    }

    @Test
    void obdWeighsSquaredWeightsByTheCurvatureOfPerSampleGradients() {
        // Empirical Fisher: F = (gA² + gB²)/2 = [[¼, 1], [¼, 1]], though the batch's mean gradient is zero.
        // Gauss-Newton: each sample's gradients at label 0 (gA) and 1 (−gA), weighted ½ each: gA², the same.
        // Either way ½·h·w² = ½·[[¼·4, 1·1], [¼·0, 1·4]].
        for (ObdCriterion obd : new ObdCriterion[] {new ObdCriterion(), new ObdCriterion(ObdCriterion.Curvature.EMPIRICAL_FISHER)}) {
            Sequential net = model();
            obd.prepare(new PruneContext(net, data(), 1, 2, 0));
            assertScores(new float[] {0.5f, 0.5f, 0, 2}, obd.score("1.weight", weight(net)).data(), 1e-5, obd.name());
            assertArrayEquals(W, weight(net).value().data(), "scoring leaves the weights alone");
        }
        assertEquals("obd", new ObdCriterion().name());
        assertEquals("obd-fisher", new ObdCriterion(ObdCriterion.Curvature.EMPIRICAL_FISHER).name());
    }

    @Test
    void gaussNewtonAndEmpiricalFisherPartWhenTheModelIsNotUndecided() {
        // W = [[ln 3, 0], [0, 0]] and x = (1, 2): logits (ln 3, 0), p = (¾, ¼); the sample's label is 0.
        // Label 0: g0 = (p − e0)·xᵀ = [[−¼, −½], [¼, ½]]; label 1: g1 = [[¾, 3/2], [−¾, −3/2]].
        // Empirical Fisher g0² = [[1/16, ¼], [1/16, ¼]]; Gauss-Newton ¾·g0² + ¼·g1² = [[3/16, ¾], [3/16, ¾]],
        // which is p0·p1·x² (the Hessian diagonal of this layer).
        Sequential net = model();
        System.arraycopy(new float[] {(float) Math.log(3), 0, 0, 0}, 0, weight(net).value().data(), 0, 4);
        Batches one = new Batches(data().subset(0, 1), 1, false, 0, true);
        var w = java.util.List.of(weight(net));
        assertScores(new float[] {1 / 16f, 0.25f, 1 / 16f, 0.25f}, FisherDiagonal.estimate(net, w, one, 1, FisherDiagonal.Labels.DATA).get(weight(net)),
                1e-5, "empirical Fisher");
        assertScores(new float[] {3 / 16f, 0.75f, 3 / 16f, 0.75f}, FisherDiagonal.estimate(net, w, one, 1, FisherDiagonal.Labels.MODEL).get(weight(net)),
                1e-5, "Gauss-Newton");
    }

    @Test
    void hutchinsonObdConvergesToTheExactHessianDiagonal() {
        // For a linear layer under softmax cross-entropy, H = (diag(p) − ppᵀ) ⊗ xxᵀ, whose diagonal
        // p_k(1 − p_k)·x_i² = [[¼, 1], [¼, 1]] here: the Fisher diagonal again, so the same saliencies.
        // Off-diagonal terms make single probes noisy, so average many.
        Sequential net = model();
        var est = HessianDiagonal.estimate(net, java.util.List.of(weight(net)), new Batches(data(), 2, false, 0, true), 1, 16000, 1e-3, 5);
        assertScores(new float[] {0.25f, 1, 0.25f, 1}, est.get(weight(net)), 0.05, "Hutchinson diagonal");
        ObdCriterion obd = new ObdCriterion(ObdCriterion.Curvature.HUTCHINSON);
        assertEquals("obd-hutchinson", obd.name());
        obd.prepare(new PruneContext(net, data(), 1, 2, 0));
        float[] s = obd.score("1.weight", weight(net)).data();
        assertEquals(0f, s[2], "a zero weight has zero saliency whatever its curvature");
    }

    @Test
    void movementAccumulatesMinusWeightTimesGradientAtEveryStep() {
        Sequential net = model();
        MovementCriterion mv = new MovementCriterion();
        Batches.Batch a = new Batches(data().subset(0, 1), 1, false, 0, true).epoch(0).iterator().next();
        Batches.Batch b = new Batches(data().subset(1, 2), 1, false, 0, true).epoch(0).iterator().next();
        // Step 1 at W with sample A: −W ⊙ gA = [[1, 1], [0, −2]].
        Losses.crossEntropy(net.forward(Variable.constant(a.x())), a.labels(), 0f).backward();
        mv.afterStep(net);
        assertScores(new float[] {1, 1, 0, -2}, mv.score("1.weight", weight(net)).data(), 1e-5, "movement after one step");
        // Step 2 at W' = [[1, 1], [1, 1]] (logits (3, 3), p = (½, ½)) with sample B: gB = [[½, 1], [−½, −1]],
        // −W' ⊙ gB = [[−½, −1], [½, 1]]; the sum is [[½, 0], [½, −1]].
        System.arraycopy(new float[] {1, 1, 1, 1}, 0, weight(net).value().data(), 0, 4);
        net.zeroGrad();
        Losses.crossEntropy(net.forward(Variable.constant(b.x())), b.labels(), 0f).backward();
        mv.afterStep(net);
        assertScores(new float[] {0.5f, 0, 0.5f, -1}, mv.score("1.weight", weight(net)).data(), 1e-5, "movement after two steps");
        assertEquals(2, mv.steps());
    }
}
