package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Inference convolution of one image followed by 2×2 max pooling, for layers with few output
 * channels (LeNet's 6 filters would fill 6 of 16 lanes of {@link IndirectConv}): vector lanes run
 * along an output row (two vectors, up to 2·lanes columns), a tile holds two output rows (one
 * pooling pair) for 6 output channels, and each tap loads the input rows under it once for all six.
 * Input: a zero-padded channel-first buffer [C][H+2p][W+2p] with {@link #SLACK} floats after it
 * (the row vectors read a little past the last row; those lanes are never stored). Output:
 * channel-first [OC][OH/2 + 2q][OW/2 + 2q] with q pixels of zero padding for the next layer.
 *
 * <p>Taps run in (channel, row, column) order from a zero start, as the rows of im2col do, so each
 * output is the chain of fused multiply-adds {@link ConvKernels} computes: results are bit-identical.
 */
public final class DirectConv {
    private static final VectorSpecies<Float> S = GemmMicroKernel.SPECIES;
    private static final int L = S.length();
    /** Output channels per tile: 6 × 2 rows × 2 vectors = 24 accumulators. */
    static final int CHANNELS = 6;
    /** Floats read past the end of the input buffer at most. */
    public static final int SLACK = 2 * L;
    /** Lane permutations gathering the even and the odd columns of two vectors into one. */
    private static final FloatVector EVEN = lanes(0), ODD = lanes(1);

    private static FloatVector lanes(int first) {
        float[] f = new float[L];
        for (int i = 0; i < L; i++) f[i] = first + 2 * i;
        return FloatVector.fromArray(S, f, 0);
    }

    private DirectConv() {}

    /** Sizes of one layer: input c × hp × wp (padding included), output oc × ph × pw after pooling, stored with outPad. */
    public record Plan(int channels, int hp, int wp, int outChannels, int kernel, int oh, int ow, int outPad, int[] taps) {
        public int pooledH() {
            return oh / 2;
        }

        public int pooledW() {
            return ow / 2;
        }

        public int inputSize() {
            return channels * hp * wp + SLACK;
        }

        public int outputSize() {
            return outChannels * (pooledH() + 2 * outPad) * (pooledW() + 2 * outPad);
        }

        /** Multiply-adds issued (padded lanes and channels included). */
        public long work() {
            return (long) GemmPacking.ceilDiv(outChannels, CHANNELS) * CHANNELS * pooledH() * 2 * 2 * L * channels * kernel * kernel;
        }
    }

    /** Whether a stride-1 layer fits: its output rows take more than one vector and at most two. */
    public static boolean fits(int ow, int stride) {
        return stride == 1 && ow > L && ow <= 2 * L;
    }

    public static Plan plan(int c, int h, int w, int pad, int oc, int k, int outPad) {
        int hp = h + 2 * pad, wp = w + 2 * pad, oh = hp - k + 1, ow = wp - k + 1;
        if (c < 1 || oc < 1 || k < 1 || pad < 0 || outPad < 0 || oh < 2 || ow < 2)
            throw new IllegalArgumentException("direct convolution: invalid sizes c=" + c + " h=" + h + " w=" + w + " oc=" + oc + " k=" + k + " pad=" + pad);
        if (!fits(ow, 1)) throw new IllegalArgumentException("direct convolution: output rows of " + ow + " do not fit " + L + "-lane vectors");
        int[] taps = new int[c * k * k];
        for (int ch = 0, t = 0; ch < c; ch++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++, t++) taps[t] = (ch * hp + i) * wp + j;
        return new Plan(c, hp, wp, oc, k, oh, ow, outPad, taps);
    }

    /** Weights [OC][C·k·k] regrouped per block of 6 output channels: per tap, the block's 6 weights (zero past OC). */
    public static float[] packWeights(Plan p, float[] w) {
        int oc = p.outChannels(), k = p.channels() * p.kernel() * p.kernel();
        if (w.length != oc * k) throw new IllegalArgumentException("direct convolution: weight has " + w.length + " floats, needs " + oc + "×" + k);
        int blocks = GemmPacking.ceilDiv(oc, CHANNELS);
        float[] packed = new float[blocks * k * CHANNELS];
        for (int b = 0; b < blocks; b++)
            for (int t = 0; t < k; t++)
                for (int j = 0; j < CHANNELS; j++) {
                    int o = b * CHANNELS + j;
                    packed[(b * k + t) * CHANNELS + j] = o < oc ? w[o * k + t] : 0f;
                }
        return packed;
    }

    public static int scratchSize() {
        return CHANNELS * 4 * L;
    }

    /** out[outOff + …] = pool(epilogue(conv(in[inOff + …]))) for one image, ReLU after the pooling. */
    public static void forward(Plan p, float[] in, int inOff, float[] packed, Epilogue e, float[] out, int outOff, float[] scratch) {
        if (inOff < 0 || inOff + p.inputSize() > in.length) throw new IllegalArgumentException("direct convolution: input buffer too small");
        if (outOff < 0 || outOff + p.outputSize() > out.length) throw new IllegalArgumentException("direct convolution: output buffer too small");
        int[] taps = p.taps();
        int kk = taps.length, wp = p.wp();
        int pw = p.pooledW(), ph = p.pooledH(), opad = p.outPad();
        int ow2 = pw + 2 * opad, oplane = (ph + 2 * opad) * ow2;
        VectorMask<Float> keep = S.indexInRange(0, pw);
        for (int b = 0, o0 = 0; o0 < p.outChannels(); b++, o0 += CHANNELS) {
            int wi = b * kk * CHANNELS, channels = Math.min(CHANNELS, p.outChannels() - o0);
            for (int py = 0; py < ph; py++) {
                tile(in, inOff + 2 * py * wp, wp, taps, kk, packed, wi, scratch);
                for (int o = 0; o < channels; o++) {
                    int a = o * 4 * L, ch = o0 + o;
                    FloatVector r0a = e.affineBroadcast(FloatVector.fromArray(S, scratch, a), ch);
                    FloatVector r0b = e.affineBroadcast(FloatVector.fromArray(S, scratch, a + L), ch);
                    FloatVector r1a = e.affineBroadcast(FloatVector.fromArray(S, scratch, a + 2 * L), ch);
                    FloatVector r1b = e.affineBroadcast(FloatVector.fromArray(S, scratch, a + 3 * L), ch);
                    FloatVector lo = r0a.max(r1a), hi = r0b.max(r1b);
                    FloatVector pooled = EVEN.selectFrom(lo, hi).max(ODD.selectFrom(lo, hi));
                    e.finish(pooled).intoArray(out, outOff + ch * oplane + (py + opad) * ow2 + opad, keep);
                }
            }
        }
    }

    /** Two output rows (from the window row at in[base]) × 2 vectors × 6 channels. */
    private static void tile(float[] in, int base, int wp, int[] taps, int kk, float[] w, int wi, float[] acc) {
        final int l = L;
        FloatVector z = FloatVector.zero(S);
        // cOR V: channel O, output row R (0 or 1), vector V (a or b).
        FloatVector c00a = z, c00b = z, c01a = z, c01b = z, c10a = z, c10b = z, c11a = z, c11b = z;
        FloatVector c20a = z, c20b = z, c21a = z, c21b = z, c30a = z, c30b = z, c31a = z, c31b = z;
        FloatVector c40a = z, c40b = z, c41a = z, c41b = z, c50a = z, c50b = z, c51a = z, c51b = z;
        for (int t = 0; t < kk; t++, wi += CHANNELS) {
            int r0 = base + taps[t], r1 = r0 + wp;
            FloatVector x0a = FloatVector.fromArray(S, in, r0), x0b = FloatVector.fromArray(S, in, r0 + l);
            FloatVector x1a = FloatVector.fromArray(S, in, r1), x1b = FloatVector.fromArray(S, in, r1 + l);
            FloatVector v = FloatVector.broadcast(S, w[wi]);
            c00a = v.fma(x0a, c00a); c00b = v.fma(x0b, c00b); c01a = v.fma(x1a, c01a); c01b = v.fma(x1b, c01b);
            v = FloatVector.broadcast(S, w[wi + 1]);
            c10a = v.fma(x0a, c10a); c10b = v.fma(x0b, c10b); c11a = v.fma(x1a, c11a); c11b = v.fma(x1b, c11b);
            v = FloatVector.broadcast(S, w[wi + 2]);
            c20a = v.fma(x0a, c20a); c20b = v.fma(x0b, c20b); c21a = v.fma(x1a, c21a); c21b = v.fma(x1b, c21b);
            v = FloatVector.broadcast(S, w[wi + 3]);
            c30a = v.fma(x0a, c30a); c30b = v.fma(x0b, c30b); c31a = v.fma(x1a, c31a); c31b = v.fma(x1b, c31b);
            v = FloatVector.broadcast(S, w[wi + 4]);
            c40a = v.fma(x0a, c40a); c40b = v.fma(x0b, c40b); c41a = v.fma(x1a, c41a); c41b = v.fma(x1b, c41b);
            v = FloatVector.broadcast(S, w[wi + 5]);
            c50a = v.fma(x0a, c50a); c50b = v.fma(x0b, c50b); c51a = v.fma(x1a, c51a); c51b = v.fma(x1b, c51b);
        }
        c00a.intoArray(acc, 0); c00b.intoArray(acc, l); c01a.intoArray(acc, 2 * l); c01b.intoArray(acc, 3 * l);
        c10a.intoArray(acc, 4 * l); c10b.intoArray(acc, 5 * l); c11a.intoArray(acc, 6 * l); c11b.intoArray(acc, 7 * l);
        c20a.intoArray(acc, 8 * l); c20b.intoArray(acc, 9 * l); c21a.intoArray(acc, 10 * l); c21b.intoArray(acc, 11 * l);
        c30a.intoArray(acc, 12 * l); c30b.intoArray(acc, 13 * l); c31a.intoArray(acc, 14 * l); c31b.intoArray(acc, 15 * l);
        c40a.intoArray(acc, 16 * l); c40b.intoArray(acc, 17 * l); c41a.intoArray(acc, 18 * l); c41b.intoArray(acc, 19 * l);
        c50a.intoArray(acc, 20 * l); c50b.intoArray(acc, 21 * l); c51a.intoArray(acc, 22 * l); c51b.intoArray(acc, 23 * l);
    }

    /** Scalar reference on the same buffers: Math.fma chains in the same order, then pooling and the epilogue. */
    public static void reference(Plan p, float[] in, int inOff, float[] w, Epilogue e, float[] out, int outOff) {
        int k = p.kernel(), kk = p.channels() * k * k, plane = p.hp() * p.wp(), wp = p.wp();
        int pw = p.pooledW(), ph = p.pooledH(), opad = p.outPad(), ow2 = pw + 2 * opad, oplane = (ph + 2 * opad) * ow2;
        for (int o = 0; o < p.outChannels(); o++)
            for (int py = 0; py < ph; py++)
                for (int px = 0; px < pw; px++) {
                    float best = 0;
                    for (int d = 0; d < 4; d++) {
                        int oy = 2 * py + d / 2, ox = 2 * px + d % 2;
                        float s = 0f;
                        for (int c = 0, t = 0; c < p.channels(); c++)
                            for (int i = 0; i < k; i++)
                                for (int j = 0; j < k; j++, t++) s = Math.fma(in[inOff + c * plane + (oy + i) * wp + ox + j], w[o * kk + t], s);
                        float v = e.affine(s, o);
                        best = d == 0 ? v : Math.max(best, v);
                    }
                    out[outOff + o * oplane + (py + opad) * ow2 + opad + px] = e.finish(best);
                }
    }
}
