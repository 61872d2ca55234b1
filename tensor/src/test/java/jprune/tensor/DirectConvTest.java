package jprune.tensor;

import static jprune.tensor.KernelAssert.assertAllClose;
import static jprune.tensor.KernelAssert.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DirectConvTest {
    static final int L = IndirectConv.lanes();
    // C, H, W, OC, k, pad, outPad: output rows from just over one vector to two, odd heights (the
    // last row unpooled), 1 to 13 filters (partial blocks of 6).
    static final int[][] CASES = {
        {1, 28, 28, 6, 5, 2, 0}, {1, 28, 28, 3, 5, 2, 1}, {2, L + 3, L + 1, 7, 3, 1, 0}, {3, 9, 2 * L, 13, 1, 0, 2},
        {1, 7, 2 * L + 2, 1, 3, 0, 0}, {4, 11, L + 5, 12, 5, 2, 1},
    };

    /**
     * The cases whose output rows fit this vector width (two vectors at most): the 28-wide LeNet
     * rows fit 16 lanes only; at narrower widths the plan builder picks another kernel.
     */
    static java.util.List<int[]> fitting() {
        java.util.List<int[]> out = new java.util.ArrayList<>();
        for (int[] c : CASES) if (DirectConv.fits(c[2] + 2 * c[5] - c[4] + 1, 1)) out.add(c);
        org.junit.jupiter.api.Assertions.assertFalse(out.isEmpty(), "no case fits " + L + "-lane vectors");
        return out;
    }

    @Test
    void vectorKernelEqualsItsScalarReferenceBitForBit() {
        Rng rng = new Rng(21);
        for (int[] c : fitting()) {
            DirectConv.Plan p = DirectConv.plan(c[0], c[1], c[2], c[5], c[3], c[4], c[6]);
            float[] in = random(rng, p.inputSize() + 2), w = random(rng, c[3] * c[0] * c[4] * c[4]);
            Epilogue e = Epilogue.of(c[3], random(rng, c[3]), c[0] == 1 ? null : random(rng, c[3]), c[0] == 1 ? null : random(rng, c[3]), c[3] % 2 == 0);
            float[] out = random(rng, p.outputSize() + 3 + L), ref = out.clone();
            DirectConv.forward(p, in, 2, DirectConv.packWeights(p, w), e, out, 3, new float[DirectConv.scratchSize()]);
            DirectConv.reference(p, in, 2, w, e, ref, 3);
            assertArrayEquals(ref, out, java.util.Arrays.toString(c));
        }
    }

    @Test
    void computesConvolutionThenBiasThenPoolingThenRelu() {
        Rng rng = new Rng(22);
        for (int[] c : fitting()) {
            int ch = c[0], h = c[1], w = c[2], oc = c[3], k = c[4], pad = c[5], outPad = c[6];
            ConvGeometry g = new ConvGeometry(1, ch, h, w, oc, k, k, 1, 1, pad, pad);
            float[] x = random(rng, g.inputSize()), wt = random(rng, g.weightSize()), bias = random(rng, oc);
            float[] y = new float[g.outputSize()];
            ConvKernels.forward(g, x, wt, bias, y);
            int oh = g.outH(), ow = g.outW(), ph = oh / 2, pw = ow / 2;
            float[] expected = new float[oc * ph * pw];
            for (int o = 0; o < oc; o++)
                for (int py = 0; py < ph; py++)
                    for (int px = 0; px < pw; px++) {
                        int i = (o * oh + 2 * py) * ow + 2 * px;
                        expected[(o * ph + py) * pw + px] = Math.max(0f, Math.max(Math.max(y[i], y[i + 1]), Math.max(y[i + ow], y[i + ow + 1])));
                    }
            DirectConv.Plan p = DirectConv.plan(ch, h, w, pad, oc, k, outPad);
            int hp = h + 2 * pad, wp = w + 2 * pad;
            float[] in = new float[p.inputSize()];
            for (int cc = 0; cc < ch; cc++)
                for (int yy = 0; yy < h; yy++) System.arraycopy(x, (cc * h + yy) * w, in, (cc * hp + yy + pad) * wp + pad, w);
            float[] out = new float[p.outputSize() + L];
            DirectConv.forward(p, in, 0, DirectConv.packWeights(p, wt), Epilogue.of(oc, bias, null, null, true), out, 0, new float[DirectConv.scratchSize()]);
            int pwp = pw + 2 * outPad, php = ph + 2 * outPad;
            float[] got = new float[expected.length];
            for (int o = 0; o < oc; o++)
                for (int py = 0; py < php; py++)
                    for (int px = 0; px < pwp; px++) {
                        float v = out[(o * php + py) * pwp + px];
                        boolean inside = py >= outPad && py < ph + outPad && px >= outPad && px < pw + outPad;
                        if (inside) got[(o * ph + py - outPad) * pw + px - outPad] = v;
                        else if (v != 0f) throw new AssertionError("padding written at channel " + o + " (" + py + ", " + px + ") " + java.util.Arrays.toString(c));
                    }
            // The GEMM path's chains are the kernel's: equal bit for bit.
            assertArrayEquals(expected, got, java.util.Arrays.toString(c));
            assertAllClose(got, expected, 0, 0, "");
        }
    }

    @Test
    void fitsOnlyRowsOfOneToTwoVectors() {
        assertFalse(DirectConv.fits(L, 1));
        assertTrue(DirectConv.fits(L + 1, 1));
        assertTrue(DirectConv.fits(2 * L, 1));
        assertFalse(DirectConv.fits(2 * L + 1, 1));
        assertFalse(DirectConv.fits(L + 1, 2));
    }
}
