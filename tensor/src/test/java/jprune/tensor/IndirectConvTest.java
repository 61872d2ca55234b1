package jprune.tensor;

import static jprune.tensor.KernelAssert.assertAllClose;
import static jprune.tensor.KernelAssert.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class IndirectConvTest {
    // C, H, W, OC, k, stride, pad, pool, outPad: odd channel counts (vector tails), ragged position
    // counts (tile tails), 1 to 4 vectors of output channels (two tiles' worth of vectors).
    static final int[][] CASES = {
        {1, 28, 28, 6, 5, 1, 2, 1, 0}, {6, 14, 14, 16, 5, 1, 0, 1, 0}, {3, 9, 7, 17, 3, 1, 1, 0, 1}, {5, 7, 7, 33, 3, 1, 1, 1, 1},
        {2, 11, 10, 50, 3, 2, 1, 0, 0}, {4, 5, 6, 64, 3, 1, 1, 1, 2}, {1, 4, 4, 1, 1, 1, 0, 0, 0}, {7, 6, 5, 3, 2, 1, 0, 1, 0},
    };

    @Test
    void vectorKernelEqualsItsScalarReferenceBitForBit() {
        Rng rng = new Rng(11);
        for (int[] c : CASES) {
            for (int layouts = 0; layouts < 4; layouts++) {
                boolean channelLast = layouts % 2 == 1, channelLastOut = layouts / 2 == 1;
                IndirectConv.Plan p = IndirectConv.plan(channelLast, c[0], c[1], c[2], c[6], c[3], c[4], c[5], c[7] == 1, channelLastOut, c[8]);
                float[] in = random(rng, p.inputSize() + 3), w = random(rng, c[3] * c[0] * c[4] * c[4]);
                Epilogue e = Epilogue.of(c[3], random(rng, c[3]), random(rng, c[3]), random(rng, c[3]), c[0] % 2 == 1);
                float[] out = random(rng, p.outputSize() + 5), ref = out.clone();
                IndirectConv.forward(p, in, 3, IndirectConv.packWeights(p, w), e, out, 5, new float[IndirectConv.scratchSize()]);
                IndirectConv.reference(p, in, 3, w, e, ref, 5);
                assertArrayEquals(ref, out, java.util.Arrays.toString(c) + " layouts " + layouts);
            }
        }
    }

    /**
     * An image split into parts (a range of tiles × a range of channel blocks), each computed into its
     * own buffer and published with copyPart, gives forward's output exactly, padding untouched, in
     * every layout; a tile range with all its blocks as one part does too.
     */
    @Test
    void partsCopiedOutEqualOnePass() {
        Rng rng = new Rng(12);
        for (int[] c : CASES) {
            for (int layouts = 0; layouts < 4; layouts++) {
                boolean channelLast = layouts % 2 == 1, channelLastOut = layouts / 2 == 1;
                IndirectConv.Plan p = IndirectConv.plan(channelLast, c[0], c[1], c[2], c[6], c[3], c[4], c[5], c[7] == 1, channelLastOut, c[8]);
                float[] in = random(rng, p.inputSize()), w = random(rng, c[3] * c[0] * c[4] * c[4]);
                Epilogue e = Epilogue.of(c[3], random(rng, c[3]), random(rng, c[3]), random(rng, c[3]), c[0] % 2 == 1);
                float[] packed = IndirectConv.packWeights(p, w);
                float[] whole = random(rng, p.outputSize() + 2), split = whole.clone(), byTiles = whole.clone();
                IndirectConv.forward(p, in, 0, packed, e, whole, 2, new float[IndirectConv.scratchSize()]);
                int tiles = IndirectConv.tiles(p), blocks = IndirectConv.blocks(p);
                String what = java.util.Arrays.toString(c) + " layouts " + layouts;
                for (int from = 0; from < tiles; ) {
                    int to = Math.min(tiles, from + 1 + rng.nextInt(3));
                    for (int b0 = 0; b0 < blocks; ) {
                        int b1 = Math.min(blocks, b0 + 1 + rng.nextInt(2));
                        float[] part = new float[p.outputSize()];
                        IndirectConv.forwardPart(p, in, 0, packed, e, part, 0, new float[IndirectConv.scratchSize()], from, to, b0, b1);
                        IndirectConv.copyPart(p, from, to, b0, b1, part, 0, split, 2);
                        b0 = b1;
                    }
                    float[] part = new float[p.outputSize()];
                    IndirectConv.forwardPart(p, in, 0, packed, e, part, 0, new float[IndirectConv.scratchSize()], from, to, 0, blocks);
                    IndirectConv.copyPart(p, from, to, 0, blocks, part, 0, byTiles, 2);
                    from = to;
                }
                assertArrayEquals(whole, split, what);
                assertArrayEquals(whole, byTiles, what + " by tiles");
                // An empty part copies nothing.
                float[] before = split.clone();
                IndirectConv.copyPart(p, 0, tiles, blocks, blocks, new float[p.outputSize()], 0, split, 2);
                IndirectConv.copyPart(p, 0, 0, 0, blocks, new float[p.outputSize()], 0, split, 2);
                assertArrayEquals(before, split, what + " empty parts");
            }
        }
    }

    /** The reference itself against plain loops: convolution, affine map, 2×2 max pooling, ReLU. */
    @Test
    void computesConvolutionThenAffineThenPoolingThenRelu() {
        Rng rng = new Rng(12);
        for (int[] c : CASES) {
            int ch = c[0], h = c[1], w = c[2], oc = c[3], k = c[4], s = c[5], pad = c[6], outPad = c[8];
            boolean pool = c[7] == 1;
            ConvGeometry g = new ConvGeometry(1, ch, h, w, oc, k, k, s, s, pad, pad);
            float[] x = random(rng, g.inputSize()), wt = random(rng, g.weightSize()), scale = random(rng, oc), shift = random(rng, oc);
            float[] y = new float[g.outputSize()];
            ConvReference.forward(g, x, wt, null, y);
            int oh = g.outH(), ow = g.outW(), sh = pool ? oh / 2 : oh, sw = pool ? ow / 2 : ow;
            float[] expected = new float[oc * sh * sw];
            for (int o = 0; o < oc; o++)
                for (int py = 0; py < sh; py++)
                    for (int px = 0; px < sw; px++) {
                        float best = Float.NEGATIVE_INFINITY;
                        for (int d = 0; d < (pool ? 4 : 1); d++) {
                            int yy = pool ? 2 * py + d / 2 : py, xx = pool ? 2 * px + d % 2 : px;
                            best = Math.max(best, y[(o * oh + yy) * ow + xx] * scale[o] + shift[o]);
                        }
                        expected[(o * sh + py) * sw + px] = Math.max(best, 0f);
                    }
            // The input padded and channel-last, as a plan lays it out.
            int hp = h + 2 * pad, wp = w + 2 * pad;
            float[] in = new float[ch * hp * wp];
            for (int cc = 0; cc < ch; cc++)
                for (int yy = 0; yy < h; yy++)
                    for (int xx = 0; xx < w; xx++) in[((yy + pad) * wp + xx + pad) * ch + cc] = x[(cc * h + yy) * w + xx];
            IndirectConv.Plan p = IndirectConv.plan(true, ch, h, w, pad, oc, k, s, pool, true, outPad);
            float[] out = new float[p.outputSize()];
            IndirectConv.reference(p, in, 0, wt, Epilogue.of(oc, null, scale, shift, true), out, 0);
            float[] got = new float[expected.length];
            int owp = sw + 2 * outPad;
            for (int o = 0; o < oc; o++)
                for (int py = 0; py < sh; py++)
                    for (int px = 0; px < sw; px++) got[(o * sh + py) * sw + px] = out[((py + outPad) * owp + px + outPad) * oc + o];
            assertAllClose(got, expected, 1e-4, 1e-5, java.util.Arrays.toString(c));
        }
    }

    @Test
    void equalsTheTrainingPathsConvolutionBitForBit() {
        // ConvKernels' GEMM runs each output as one chain in (channel, row, column) order, as here.
        Rng rng = new Rng(13);
        for (int[] c : CASES) {
            if (c[7] == 1) continue;
            ConvGeometry g = new ConvGeometry(1, c[0], c[1], c[2], c[3], c[4], c[4], c[5], c[5], c[6], c[6]);
            float[] x = random(rng, g.inputSize()), w = random(rng, g.weightSize()), bias = random(rng, c[3]);
            float[] y = new float[g.outputSize()];
            ConvKernels.forward(g, x, w, bias, y);
            IndirectConv.Plan p = IndirectConv.plan(false, c[0], c[1], c[2], c[6], c[3], c[4], c[5], false, false, 0);
            int hp = c[1] + 2 * c[6], wp = c[2] + 2 * c[6];
            float[] in = new float[p.inputSize()];
            for (int cc = 0; cc < c[0]; cc++)
                for (int yy = 0; yy < c[1]; yy++) System.arraycopy(x, (cc * c[1] + yy) * c[2], in, (cc * hp + yy + c[6]) * wp + c[6], c[2]);
            float[] out = new float[p.outputSize()];
            IndirectConv.forward(p, in, 0, IndirectConv.packWeights(p, w), Epilogue.of(c[3], bias, null, null, false), out, 0, new float[IndirectConv.scratchSize()]);
            assertArrayEquals(y, out, java.util.Arrays.toString(c));
        }
    }
}
