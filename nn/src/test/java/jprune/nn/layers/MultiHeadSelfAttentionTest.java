package jprune.nn.layers;

import static org.junit.jupiter.api.Assertions.*;

import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

class MultiHeadSelfAttentionTest {
    /** With gradients recorded the layer runs the autograd ops; without, the fused kernel: same bits. */
    @Test
    void fusedInferencePathEqualsTheDifferentiablePathBitForBit() {
        int[][] shapes = {{64, 4, 16, 17}, {64, 3, 16, 17}, {10, 3, 5, 7}, {6, 1, 9, 1}, {12, 2, 6, 33}};   // dim, heads, headDim, tokens
        for (int[] s : shapes) {
            MultiHeadSelfAttention attn = new MultiHeadSelfAttention(s[0], s[1], s[2], new Rng(5));
            Tensor x = Tensor.uniform(new Rng(6), -2f, 2f, 3, s[3], s[0]);
            Variable recorded = attn.forward(Variable.leaf(x, true));
            assertTrue(recorded.requiresGrad(), "the reference must be the differentiable path");
            float[] fused;
            try (var g = GradMode.noGrad()) {
                fused = attn.forward(Variable.constant(x)).value().data();
            }
            assertArrayEquals(recorded.value().data(), fused, java.util.Arrays.toString(s));
        }
    }
}
