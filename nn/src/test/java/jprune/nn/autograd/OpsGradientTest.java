package jprune.nn.autograd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.function.Function;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of every op's backward. */
class OpsGradientTest {
    static final Rng RNG = new Rng(42);

    static Tensor rand(int... shape) {
        return Tensor.uniform(RNG, -1f, 1f, shape);
    }

    static Tensor positive(int... shape) {
        return Tensor.uniform(RNG, 0.5f, 2f, shape);
    }

    static void check(String name, Function<List<Variable>, Variable> f, Tensor... inputs) {
        double worst = GradCheck.worstRatio(f, List.of(inputs), 1e-2, 2e-2, 2e-3, 7);
        assertTrue(worst <= 1, name + ": gradient mismatch ratio " + worst);
    }

    @Test
    void arithmeticWithBroadcasting() {
        check("add", v -> Arithmetic.add(v.get(0), v.get(1)), rand(3, 4), rand(4));
        check("add col", v -> Arithmetic.add(v.get(0), v.get(1)), rand(2, 3, 4), rand(3, 1));
        check("sub", v -> Arithmetic.sub(v.get(0), v.get(1)), rand(3, 1, 2), rand(1, 4, 2));
        check("mul", v -> Arithmetic.mul(v.get(0), v.get(1)), rand(2, 5), rand(2, 1));
        check("div", v -> Arithmetic.div(v.get(0), v.get(1)), rand(3, 4), positive(4));
        check("mul scalar", v -> Arithmetic.mulScalar(v.get(0), -2.5f), rand(7));
        check("add scalar", v -> Arithmetic.addScalar(v.get(0), 3f), rand(7));
        check("exp", v -> Arithmetic.exp(v.get(0)), rand(5));
        check("log", v -> Arithmetic.log(v.get(0)), positive(5));
        check("sqrt", v -> Arithmetic.sqrt(v.get(0)), positive(5));
        check("square", v -> Arithmetic.square(v.get(0)), rand(2, 3));
    }

    @Test
    void reductions() {
        check("sum", v -> Reductions.sum(v.get(0)), rand(3, 4));
        check("mean", v -> Reductions.mean(v.get(0)), rand(3, 4));
        check("sum dim", v -> Reductions.sum(v.get(0), 1, false), rand(2, 3, 4));
        check("mean dim keep", v -> Reductions.mean(v.get(0), -1, true), rand(2, 3, 4));
        check("sum dim0", v -> Reductions.sum(v.get(0), 0, false), rand(5, 3));
    }

    @Test
    void reshaping() {
        check("reshape", v -> Reshaping.reshape(v.get(0), 6, -1), rand(2, 3, 4));
        check("flatten", v -> Reshaping.flatten(v.get(0), 1), rand(2, 3, 4));
        check("permute", v -> Reshaping.permute(v.get(0), 2, 0, 1), rand(2, 3, 4));
        check("transpose", v -> Reshaping.transpose(v.get(0), -1, -2), rand(2, 3, 4));
        check("narrow", v -> Reshaping.narrow(v.get(0), 1, 1, 2), rand(2, 4, 3));
        check("concat", v -> Reshaping.concat(1, v.get(0), v.get(1)), rand(2, 1, 3), rand(2, 3, 3));
        check("expand", v -> Reshaping.expandLeading(v.get(0), 3), rand(2, 2));
    }

    @Test
    void matrixProducts() {
        check("matmul", v -> MatMul.matmul(v.get(0), v.get(1)), rand(3, 5), rand(5, 4));
        check("matmul batched", v -> MatMul.matmul(v.get(0), v.get(1)), rand(2, 3, 5), rand(2, 5, 4));
        check("matmul shared", v -> MatMul.matmul(v.get(0), v.get(1)), rand(2, 3, 5), rand(5, 4));
        check("linear", v -> MatMul.linear(v.get(0), v.get(1), v.get(2)), rand(4, 5), rand(3, 5), rand(3));
        check("linear 3d", v -> MatMul.linear(v.get(0), v.get(1), null), rand(2, 4, 5), rand(3, 5));
    }

    @Test
    void lossesAndLookups() {
        int[] labels = {2, 0, 3};
        check("cross entropy", v -> Losses.crossEntropy(v.get(0), labels, 0f), rand(3, 4));
        check("cross entropy smoothed", v -> Losses.crossEntropy(v.get(0), labels, 0.1f), rand(3, 4));
        check("mse", v -> Losses.mse(v.get(0), v.get(1)), rand(3, 4), rand(3, 4));
        check("embedding", v -> EmbeddingOp.lookup(v.get(0), new int[] {1, 3, 1}), rand(4, 3));
        check("dropout", v -> DropoutOp.apply(v.get(0), 0.3f, new Rng(5)), rand(20));
    }

    @Test
    void crossEntropyMatchesDefinition() {
        Tensor logits = Tensor.of(new float[] {1f, 2f, 3f, 0f, 0f, 0f}, 2, 3);
        float loss = Losses.crossEntropy(Variable.constant(logits), new int[] {2, 1}, 0f).value().item();
        double l0 = -Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)));
        double l1 = Math.log(3);
        assertEquals((l0 + l1) / 2, loss, 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(Variable.constant(logits), new int[] {2, 3}, 0f));
    }

    @Test
    void gradientsAccumulateOnLeavesAndNoGradRecordsNothing() {
        Variable w = Variable.leaf(Tensor.of(new float[] {2f}, 1), true);
        Reductions.sum(Arithmetic.mulScalar(w, 3f)).backward();
        Reductions.sum(Arithmetic.mulScalar(w, 3f)).backward();
        assertEquals(6f, w.grad().data()[0]);
        try (var g = GradMode.noGrad()) {
            assertFalse(Arithmetic.mulScalar(w, 3f).requiresGrad());
        }
        assertTrue(Arithmetic.mulScalar(w, 3f).requiresGrad());
    }

    @Test
    void sharedSubexpressionGetsGradientFromBothUses() {
        Variable x = Variable.leaf(Tensor.of(new float[] {3f}, 1), true);
        Variable y = Arithmetic.mul(x, x);       // x²
        Variable z = Arithmetic.add(y, y);       // 2x²
        Reductions.sum(z).backward();
        assertEquals(12f, x.grad().data()[0], 1e-6);
    }

    @Test
    void gradHookSeesOutputGradient() {
        Variable x = Variable.leaf(rand(2, 3), true);
        Variable y = Arithmetic.mulScalar(x, 2f);
        float[][] seen = new float[1][];
        y.registerGradHook(g -> seen[0] = g.data().clone());
        Reductions.sum(y).backward();
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, seen[0]);
    }
}
