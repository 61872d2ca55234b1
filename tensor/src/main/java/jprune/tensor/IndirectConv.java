package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Inference convolution of one image without im2col: vector lanes run over output channels, a tile
 * of 8 output positions keeps 8 × (1 to 3) vectors of accumulators in registers, and each kernel
 * tap broadcasts the 8 input values under it, found through two address tables (the start of each
 * position's window, the offset of each tap inside a window). The input is a zero-padded buffer, in
 * either channel-first ([C][H+2p][W+2p]) or channel-last ([H+2p][W+2p][C]) order, so a tap that
 * falls into the padding reads a zero instead of taking a branch. The output is channel-last (a
 * vector store per pixel) or, for a layer whose output is flattened next, channel-first (lanes
 * stored one by one, so that the features come in PyTorch's order).
 *
 * <p>Taps run in (channel, row, column) order, the order of im2col's rows, and every accumulator
 * starts from zero: each output is the same chain of fused multiply-adds that {@link ConvKernels}'
 * GEMM computes, so the results are bit-identical to the training path. With pooling, the tables
 * list positions window by window (4 per 2×2 window, 2 windows per tile) and the tile's epilogue
 * reduces each window before ReLU; positions no window covers are never computed.
 */
public final class IndirectConv {
    private static final VectorSpecies<Float> S = GemmMicroKernel.SPECIES;
    private static final int L = S.length();
    /** Output positions per tile. */
    public static final int ROWS = 8;
    /** Vectors of output channels per tile: 8 × 3 accumulators + 3 weight vectors + a broadcast fit 32 registers. */
    static final int MAX_VECTORS = 3;

    private IndirectConv() {}

    /** Floats per vector: output channels are padded to a multiple of this. */
    public static int lanes() {
        return L;
    }

    /**
     * Address tables and sizes of one convolution layer. positions holds, per computed output
     * position (padded to a multiple of {@link #ROWS} by repeating the last), the offset of its window
     * in the input buffer; taps the offset of each tap inside the window; outputs the offset in the
     * output buffer of each stored output (a pooled window, or a position), where its channels follow
     * one another channelStride floats apart (1 when channel-last).
     */
    public record Plan(int channels, int outChannels, int[] taps, int[] positions, int positionCount,
                       int[] outputs, int channelStride, boolean pool, int inputSize, int outputSize) {
        public int vectors() {
            return GemmPacking.ceilDiv(outChannels, L);
        }

        /** Multiply-adds the kernel issues (padded lanes and positions included). */
        public long work() {
            return (long) positions.length * taps.length * vectors() * L;
        }
    }

    /**
     * Plans a square convolution (kernel k, stride s, padding p) of a c × h × w image held with its
     * padding in a buffer; the output, oh × ow (or pooled 2×2 to oh/2 × ow/2), goes channel-last or
     * channel-first into a buffer that has outPad zero pixels around it (the padding of whatever reads
     * it next).
     */
    public static Plan plan(boolean channelLastInput, int c, int h, int w, int pad, int oc, int k, int stride, boolean pool,
                            boolean channelLastOutput, int outPad) {
        if (c < 1 || h < 1 || w < 1 || oc < 1 || k < 1 || stride < 1 || pad < 0 || outPad < 0)
            throw new IllegalArgumentException("indirect convolution: invalid sizes c=" + c + " h=" + h + " w=" + w + " oc=" + oc
                    + " k=" + k + " stride=" + stride + " pad=" + pad + " outPad=" + outPad);
        int hp = h + 2 * pad, wp = w + 2 * pad;
        if (hp < k || wp < k) throw new IllegalArgumentException("indirect convolution: kernel " + k + " larger than the padded input " + hp + "×" + wp);
        int oh = (hp - k) / stride + 1, ow = (wp - k) / stride + 1;
        int[] taps = new int[c * k * k];
        for (int ch = 0, t = 0; ch < c; ch++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++, t++) taps[t] = channelLastInput ? (i * wp + j) * c + ch : (ch * hp + i) * wp + j;
        int storedH = pool ? oh / 2 : oh, storedW = pool ? ow / 2 : ow;
        if (storedH < 1 || storedW < 1) throw new IllegalArgumentException("indirect convolution: pooling a " + oh + "×" + ow + " output leaves nothing");
        int count = pool ? 4 * storedH * storedW : oh * ow;
        int[] positions = new int[GemmPacking.ceilDiv(count, ROWS) * ROWS];
        int[] outputs = new int[storedH * storedW];
        int owp = storedW + 2 * outPad, oplane = (storedH + 2 * outPad) * owp;
        int n = 0, q = 0;
        for (int y = 0; y < storedH; y++) {
            for (int x = 0; x < storedW; x++) {
                int pixel = (y + outPad) * owp + x + outPad;
                outputs[q++] = channelLastOutput ? pixel * oc : pixel;
                if (pool) {
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++) positions[n++] = window(channelLastInput, c, wp, (2 * y + dy) * stride, (2 * x + dx) * stride);
                } else {
                    positions[n++] = window(channelLastInput, c, wp, y * stride, x * stride);
                }
            }
        }
        for (; n < positions.length; n++) positions[n] = positions[count - 1];
        int inputSize = c * hp * wp, outputSize = oplane * oc;
        return new Plan(c, oc, taps, positions, count, outputs, channelLastOutput ? 1 : oplane, pool, inputSize, outputSize);
    }

    private static int window(boolean channelLast, int c, int wp, int iy, int ix) {
        return channelLast ? (iy * wp + ix) * c : iy * wp + ix;
    }

    /**
     * Weights [OC][C·k·k] (as a Conv2d stores them) rearranged for the tiles: per block of up to 3
     * vectors of output channels, per tap, the block's channels side by side (zero past OC).
     */
    public static float[] packWeights(Plan p, float[] w) {
        int oc = p.outChannels(), k = p.taps().length, nv = p.vectors();
        if (w.length != oc * k) throw new IllegalArgumentException("indirect convolution: weight has " + w.length + " floats, needs " + oc + "×" + k);
        float[] packed = new float[nv * L * k];
        int base = 0;
        for (int v0 = 0; v0 < nv; v0 += blockVectors(nv, v0)) {
            int width = blockVectors(nv, v0) * L;
            for (int t = 0; t < k; t++)
                for (int j = 0; j < width; j++) {
                    int o = v0 * L + j;
                    packed[base + t * width + j] = o < oc ? w[o * k + t] : 0f;
                }
            base += width * k;
        }
        return packed;
    }

    /**
     * Vectors of output channels in the block starting at vector v0: 3 at a time, but 4 left become
     * 2 + 2 (a one-vector tile broadcasts each input for a single multiply-add).
     */
    static int blockVectors(int nv, int v0) {
        int left = nv - v0;
        return left == 4 ? 2 : Math.min(MAX_VECTORS, left);
    }

    /** Floats of scratch {@link #forward} needs. */
    public static int scratchSize() {
        return ROWS * MAX_VECTORS * L + L;
    }

    /** out[outOff + …] = epilogue(conv(in[inOff + …])) for one image, as planned. */
    public static void forward(Plan p, float[] in, int inOff, float[] packed, Epilogue e, float[] out, int outOff, float[] scratch) {
        forwardPart(p, in, inOff, packed, e, out, outOff, scratch, 0, tiles(p), 0, blocks(p));
    }

    /** Tiles of {@link #ROWS} positions the plan computes: one of the two units {@link #forwardPart} splits an image by. */
    public static int tiles(Plan p) {
        return p.positions().length / ROWS;
    }

    /**
     * Blocks of output channels (up to {@link #MAX_VECTORS} vectors each) a tile computes one after
     * another: the other unit {@link #forwardPart} splits an image by.
     */
    public static int blocks(Plan p) {
        int nv = p.vectors(), n = 0;
        for (int v0 = 0; v0 < nv; v0 += blockVectors(nv, v0)) n++;
        return n;
    }

    /**
     * {@link #forward} for tiles [tileFrom, tileTo) and channel blocks [blockFrom, blockTo) only: their
     * stored outputs (see {@link #copyPart}) get exactly the values forward gives them, whatever other
     * parts run beside them or on which thread, as each output is its own chain of multiply-adds.
     */
    public static void forwardPart(Plan p, float[] in, int inOff, float[] packed, Epilogue e, float[] out, int outOff, float[] scratch,
                                   int tileFrom, int tileTo, int blockFrom, int blockTo) {
        if (inOff < 0 || inOff + p.inputSize() > in.length) throw new IllegalArgumentException("indirect convolution: input buffer too small");
        if (outOff < 0 || outOff + p.outputSize() > out.length) throw new IllegalArgumentException("indirect convolution: output buffer too small");
        checkPart(p, tileFrom, tileTo, blockFrom, blockTo);
        int[] pos = p.positions(), taps = p.taps();
        int k = taps.length, nv = p.vectors();
        for (int pi = tileFrom * ROWS; pi < tileTo * ROWS; pi += ROWS) {
            int wi = 0;
            for (int v0 = 0, b = 0, vectors; v0 < nv; v0 += vectors, b++) {
                vectors = blockVectors(nv, v0);
                if (b >= blockFrom && b < blockTo) {
                    switch (vectors) {
                        case 3 -> tile3(in, inOff, pos, pi, taps, k, packed, wi, scratch);
                        case 2 -> tile2(in, inOff, pos, pi, taps, k, packed, wi, scratch);
                        default -> tile1(in, inOff, pos, pi, taps, k, packed, wi, scratch);
                    }
                    store(p, pi, v0, vectors, e, scratch, out, outOff);
                }
                wi += vectors * L * k;
            }
        }
    }

    private static void checkPart(Plan p, int tileFrom, int tileTo, int blockFrom, int blockTo) {
        if (tileFrom < 0 || tileTo > tiles(p) || tileFrom > tileTo)
            throw new IllegalArgumentException("indirect convolution: tiles [" + tileFrom + ", " + tileTo + ") of " + tiles(p));
        if (blockFrom < 0 || blockTo > blocks(p) || blockFrom > blockTo)
            throw new IllegalArgumentException("indirect convolution: blocks [" + blockFrom + ", " + blockTo + ") of " + blocks(p));
    }

    /**
     * Copies the outputs tiles [tileFrom, tileTo) store in channel blocks [blockFrom, blockTo) (those
     * channels of each pooled window or position the tiles cover) from src (laid out as the plan's
     * output, at srcOff) to dst (at dstOff), touching nothing else: how a part computed into a
     * private buffer is published.
     */
    public static void copyPart(Plan p, int tileFrom, int tileTo, int blockFrom, int blockTo, float[] src, int srcOff, float[] dst, int dstOff) {
        checkPart(p, tileFrom, tileTo, blockFrom, blockTo);
        int[] outputs = p.outputs();
        int perTile = p.pool() ? ROWS / 4 : ROWS, stride = p.channelStride(), nv = p.vectors();
        int ch0 = p.outChannels(), ch1 = 0;
        for (int v0 = 0, b = 0, vectors; v0 < nv; v0 += vectors, b++) {
            vectors = blockVectors(nv, v0);
            if (b == blockFrom) ch0 = v0 * L;
            if (b < blockTo) ch1 = Math.min(p.outChannels(), (v0 + vectors) * L);
        }
        int q1 = Math.min(outputs.length, tileTo * perTile);
        for (int q = tileFrom * perTile; q < q1 && ch0 < ch1; q++) {
            int at = outputs[q];
            if (stride == 1) {
                System.arraycopy(src, srcOff + at + ch0, dst, dstOff + at + ch0, ch1 - ch0);
            } else {
                for (int o = ch0; o < ch1; o++) dst[dstOff + at + o * stride] = src[srcOff + at + o * stride];
            }
        }
    }

    /** Applies the epilogue to a tile's accumulators (pooling windows of 4 first, if planned) and stores them. */
    private static void store(Plan p, int pi, int v0, int vectors, Epilogue e, float[] acc, float[] out, int outOff) {
        int oc = p.outChannels();
        int[] outputs = p.outputs();
        if (p.pool()) {
            for (int wdx = 0; wdx < ROWS / 4; wdx++) {
                int q = pi / 4 + wdx;
                if (q >= outputs.length) break;
                for (int v = 0; v < vectors; v++) {
                    int ch = (v0 + v) * L, a = 4 * wdx * MAX_VECTORS * L + v * L;
                    FloatVector m = e.affine(FloatVector.fromArray(S, acc, a), ch);
                    for (int r = 1; r < 4; r++) m = m.max(e.affine(FloatVector.fromArray(S, acc, a + r * MAX_VECTORS * L), ch));
                    put(e.finish(m), out, outOff + outputs[q], ch, p.channelStride(), oc - ch, acc);
                }
            }
        } else {
            for (int r = 0; r < ROWS; r++) {
                int q = pi + r;
                if (q >= p.positionCount()) break;
                for (int v = 0; v < vectors; v++) {
                    int ch = (v0 + v) * L;
                    put(e.finish(e.affine(FloatVector.fromArray(S, acc, r * MAX_VECTORS * L + v * L), ch)), out, outOff + outputs[q], ch, p.channelStride(), oc - ch, acc);
                }
            }
        }
    }

    /**
     * Stores channels [ch, ch + min(L, left)) of the pixel at out[at]: one (masked) vector store when
     * channel-last, so that a pixel's row does not spill into the next pixel; else lane by lane
     * through the scratch's last vector.
     */
    private static void put(FloatVector v, float[] out, int at, int ch, int stride, int left, float[] scratch) {
        if (stride == 1) {
            if (left >= L) v.intoArray(out, at + ch);
            else v.intoArray(out, at + ch, S.indexInRange(0, left));
        } else {
            int t = ROWS * MAX_VECTORS * L;
            v.intoArray(scratch, t);
            for (int i = 0, n = Math.min(L, left); i < n; i++) out[at + (ch + i) * stride] = scratch[t + i];
        }
    }

    // Accumulators must be plain locals to stay in registers; the three variants differ only in
    // their number of vectors. Broadcast value times weight vector, as the GEMM's tile multiplies.

    private static void tile3(float[] in, int inOff, int[] pos, int pi, int[] taps, int k, float[] w, int wi, float[] acc) {
        final int l = L;
        int b0 = inOff + pos[pi], b1 = inOff + pos[pi + 1], b2 = inOff + pos[pi + 2], b3 = inOff + pos[pi + 3];
        int b4 = inOff + pos[pi + 4], b5 = inOff + pos[pi + 5], b6 = inOff + pos[pi + 6], b7 = inOff + pos[pi + 7];
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c10 = z, c11 = z, c12 = z, c20 = z, c21 = z, c22 = z, c30 = z, c31 = z, c32 = z;
        FloatVector c40 = z, c41 = z, c42 = z, c50 = z, c51 = z, c52 = z, c60 = z, c61 = z, c62 = z, c70 = z, c71 = z, c72 = z;
        for (int t = 0; t < k; t++, wi += 3 * l) {
            int o = taps[t];
            FloatVector w0 = FloatVector.fromArray(S, w, wi), w1 = FloatVector.fromArray(S, w, wi + l), w2 = FloatVector.fromArray(S, w, wi + 2 * l);
            FloatVector x = FloatVector.broadcast(S, in[b0 + o]);
            c00 = x.fma(w0, c00); c01 = x.fma(w1, c01); c02 = x.fma(w2, c02);
            x = FloatVector.broadcast(S, in[b1 + o]);
            c10 = x.fma(w0, c10); c11 = x.fma(w1, c11); c12 = x.fma(w2, c12);
            x = FloatVector.broadcast(S, in[b2 + o]);
            c20 = x.fma(w0, c20); c21 = x.fma(w1, c21); c22 = x.fma(w2, c22);
            x = FloatVector.broadcast(S, in[b3 + o]);
            c30 = x.fma(w0, c30); c31 = x.fma(w1, c31); c32 = x.fma(w2, c32);
            x = FloatVector.broadcast(S, in[b4 + o]);
            c40 = x.fma(w0, c40); c41 = x.fma(w1, c41); c42 = x.fma(w2, c42);
            x = FloatVector.broadcast(S, in[b5 + o]);
            c50 = x.fma(w0, c50); c51 = x.fma(w1, c51); c52 = x.fma(w2, c52);
            x = FloatVector.broadcast(S, in[b6 + o]);
            c60 = x.fma(w0, c60); c61 = x.fma(w1, c61); c62 = x.fma(w2, c62);
            x = FloatVector.broadcast(S, in[b7 + o]);
            c70 = x.fma(w0, c70); c71 = x.fma(w1, c71); c72 = x.fma(w2, c72);
        }
        final int rs = MAX_VECTORS * l;
        c00.intoArray(acc, 0); c01.intoArray(acc, l); c02.intoArray(acc, 2 * l);
        c10.intoArray(acc, rs); c11.intoArray(acc, rs + l); c12.intoArray(acc, rs + 2 * l);
        c20.intoArray(acc, 2 * rs); c21.intoArray(acc, 2 * rs + l); c22.intoArray(acc, 2 * rs + 2 * l);
        c30.intoArray(acc, 3 * rs); c31.intoArray(acc, 3 * rs + l); c32.intoArray(acc, 3 * rs + 2 * l);
        c40.intoArray(acc, 4 * rs); c41.intoArray(acc, 4 * rs + l); c42.intoArray(acc, 4 * rs + 2 * l);
        c50.intoArray(acc, 5 * rs); c51.intoArray(acc, 5 * rs + l); c52.intoArray(acc, 5 * rs + 2 * l);
        c60.intoArray(acc, 6 * rs); c61.intoArray(acc, 6 * rs + l); c62.intoArray(acc, 6 * rs + 2 * l);
        c70.intoArray(acc, 7 * rs); c71.intoArray(acc, 7 * rs + l); c72.intoArray(acc, 7 * rs + 2 * l);
    }

    private static void tile2(float[] in, int inOff, int[] pos, int pi, int[] taps, int k, float[] w, int wi, float[] acc) {
        final int l = L;
        int b0 = inOff + pos[pi], b1 = inOff + pos[pi + 1], b2 = inOff + pos[pi + 2], b3 = inOff + pos[pi + 3];
        int b4 = inOff + pos[pi + 4], b5 = inOff + pos[pi + 5], b6 = inOff + pos[pi + 6], b7 = inOff + pos[pi + 7];
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        for (int t = 0; t < k; t++, wi += 2 * l) {
            int o = taps[t];
            FloatVector w0 = FloatVector.fromArray(S, w, wi), w1 = FloatVector.fromArray(S, w, wi + l);
            FloatVector x = FloatVector.broadcast(S, in[b0 + o]);
            c00 = x.fma(w0, c00); c01 = x.fma(w1, c01);
            x = FloatVector.broadcast(S, in[b1 + o]);
            c10 = x.fma(w0, c10); c11 = x.fma(w1, c11);
            x = FloatVector.broadcast(S, in[b2 + o]);
            c20 = x.fma(w0, c20); c21 = x.fma(w1, c21);
            x = FloatVector.broadcast(S, in[b3 + o]);
            c30 = x.fma(w0, c30); c31 = x.fma(w1, c31);
            x = FloatVector.broadcast(S, in[b4 + o]);
            c40 = x.fma(w0, c40); c41 = x.fma(w1, c41);
            x = FloatVector.broadcast(S, in[b5 + o]);
            c50 = x.fma(w0, c50); c51 = x.fma(w1, c51);
            x = FloatVector.broadcast(S, in[b6 + o]);
            c60 = x.fma(w0, c60); c61 = x.fma(w1, c61);
            x = FloatVector.broadcast(S, in[b7 + o]);
            c70 = x.fma(w0, c70); c71 = x.fma(w1, c71);
        }
        final int rs = MAX_VECTORS * l;
        c00.intoArray(acc, 0); c01.intoArray(acc, l);
        c10.intoArray(acc, rs); c11.intoArray(acc, rs + l);
        c20.intoArray(acc, 2 * rs); c21.intoArray(acc, 2 * rs + l);
        c30.intoArray(acc, 3 * rs); c31.intoArray(acc, 3 * rs + l);
        c40.intoArray(acc, 4 * rs); c41.intoArray(acc, 4 * rs + l);
        c50.intoArray(acc, 5 * rs); c51.intoArray(acc, 5 * rs + l);
        c60.intoArray(acc, 6 * rs); c61.intoArray(acc, 6 * rs + l);
        c70.intoArray(acc, 7 * rs); c71.intoArray(acc, 7 * rs + l);
    }

    private static void tile1(float[] in, int inOff, int[] pos, int pi, int[] taps, int k, float[] w, int wi, float[] acc) {
        final int l = L;
        int b0 = inOff + pos[pi], b1 = inOff + pos[pi + 1], b2 = inOff + pos[pi + 2], b3 = inOff + pos[pi + 3];
        int b4 = inOff + pos[pi + 4], b5 = inOff + pos[pi + 5], b6 = inOff + pos[pi + 6], b7 = inOff + pos[pi + 7];
        FloatVector z = FloatVector.zero(S);
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z, c6 = z, c7 = z;
        for (int t = 0; t < k; t++, wi += l) {
            int o = taps[t];
            FloatVector w0 = FloatVector.fromArray(S, w, wi);
            c0 = FloatVector.broadcast(S, in[b0 + o]).fma(w0, c0);
            c1 = FloatVector.broadcast(S, in[b1 + o]).fma(w0, c1);
            c2 = FloatVector.broadcast(S, in[b2 + o]).fma(w0, c2);
            c3 = FloatVector.broadcast(S, in[b3 + o]).fma(w0, c3);
            c4 = FloatVector.broadcast(S, in[b4 + o]).fma(w0, c4);
            c5 = FloatVector.broadcast(S, in[b5 + o]).fma(w0, c5);
            c6 = FloatVector.broadcast(S, in[b6 + o]).fma(w0, c6);
            c7 = FloatVector.broadcast(S, in[b7 + o]).fma(w0, c7);
        }
        final int rs = MAX_VECTORS * l;
        c0.intoArray(acc, 0);
        c1.intoArray(acc, rs);
        c2.intoArray(acc, 2 * rs);
        c3.intoArray(acc, 3 * rs);
        c4.intoArray(acc, 4 * rs);
        c5.intoArray(acc, 5 * rs);
        c6.intoArray(acc, 6 * rs);
        c7.intoArray(acc, 7 * rs);
    }

    /**
     * Scalar reference of {@link #forward} on the same buffers: each output a plain loop over taps
     * in the same order with Math.fma, so the comparison may be exact.
     */
    public static void reference(Plan p, float[] in, int inOff, float[] w, Epilogue e, float[] out, int outOff) {
        int[] pos = p.positions(), taps = p.taps(), outputs = p.outputs();
        int k = taps.length, oc = p.outChannels(), group = p.pool() ? 4 : 1;
        for (int q = 0; q < outputs.length; q++) {
            for (int o = 0; o < oc; o++) {
                float best = Float.NEGATIVE_INFINITY;
                for (int g = 0; g < group; g++) {
                    int base = inOff + pos[q * group + g];
                    float s = 0f;
                    for (int t = 0; t < k; t++) s = Math.fma(in[base + taps[t]], w[o * k + t], s);
                    float v = e.affine(s, o);
                    best = g == 0 ? v : Math.max(best, v);
                }
                out[outOff + outputs[q] + o * p.channelStride()] = e.finish(best);
            }
        }
    }
}
