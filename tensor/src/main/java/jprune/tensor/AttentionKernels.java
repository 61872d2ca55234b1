package jprune.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Multi-head scaled dot-product self-attention for inference, softmax(q·kᵀ·scale)·v, computed one
 * (sample, head) pair at a time straight from the projections' layout: queries, keys and values are
 * rows of [batch·tokens, ld] with head h in columns [h·headDim, (h+1)·headDim), and the context is
 * written to the same columns of out. No [batch, heads, tokens, headDim] copies and no
 * [batch, heads, tokens, tokens] score tensor: one head's tokens × tokens scores live in a per-thread buffer.
 *
 * <p>Rounding follows the autograd ops step for step (batched matmul, scalar multiply, softmax,
 * batched matmul): each score is one chain of fused multiply-adds over the head dimension in order
 * from zero (as {@link Gemm} computes it), then multiplied by scale; the row goes through
 * {@link Softmax}'s own row code; each context element is one chain of fused multiply-adds over the
 * keys in order from zero. So the output is bit for bit what the general path gives, whatever the
 * thread count.
 */
public final class AttentionKernels {
    private static final VectorSpecies<Float> S = VectorPolicy.FLOATS;
    /** Query rows (or keys) the products take at once. */
    static final int ROWS = 4;
    /**
     * Work (multiply-adds, an exponential counted as 8) a thread should get before a call is split:
     * waking the pool costs ~15 µs, about what this much attention takes on one core.
     */
    static final long CHUNK_WORK = 1 << 19;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private AttentionKernels() {}

    /**
     * out[(n·tokens + t)·ldo + h·headDim + j] = Σ_s softmax_s(scale·q_t·k_s)·v_s[j] for every sample n,
     * head h and token t, q_t being row n·tokens + t of q in head h's columns (likewise k_s, v_s).
     * Only those columns of out are written.
     */
    public static void forward(int batch, int tokens, int heads, int headDim, float scale,
                               float[] q, float[] k, float[] v, int ld, float[] out, int ldo) {
        check(batch, tokens, heads, headDim, q, k, v, ld, out, ldo);
        long unitWork = (long) tokens * tokens * (2L * headDim + 8);
        int perChunk = (int) Math.max(1, Math.min(Integer.MAX_VALUE, CHUNK_WORK / Math.max(1, unitWork)));
        Parallel.forRange(batch * heads, perChunk, (c, from, to) -> {
            Scratch s = SCRATCH.get();
            for (int u = from; u < to; u++)
                unit(u / heads, u % heads, tokens, headDim, scale, q, k, v, ld, out, ldo, s);
        });
    }

    /**
     * {@link #forward} for each sample's first query only, on the calling thread: for a class token
     * when nothing after the attention reads the other tokens. Writes row n·tokens of out for every
     * sample n (in every head's columns), bit for bit what forward writes there; reads q in those
     * rows only, keys and values in all.
     */
    public static void forwardFirst(int batch, int tokens, int heads, int headDim, float scale,
                                    float[] q, float[] k, float[] v, int ld, float[] out, int ldo) {
        check(batch, tokens, heads, headDim, q, k, v, ld, out, ldo);
        Scratch s = SCRATCH.get();
        for (int n = 0; n < batch; n++)
            for (int h = 0; h < heads; h++) rows(0, 1, n, h, tokens, headDim, scale, q, k, v, ld, out, ldo, s);
    }

    /** The scalar reference of {@link #forward}: the same rounding steps in plain loops, on one thread. */
    public static void forwardScalar(int batch, int tokens, int heads, int headDim, float scale,
                                     float[] q, float[] k, float[] v, int ld, float[] out, int ldo) {
        check(batch, tokens, heads, headDim, q, k, v, ld, out, ldo);
        float[] p = new float[tokens];
        for (int n = 0; n < batch; n++) {
            for (int h = 0; h < heads; h++) {
                int base = n * tokens, col = h * headDim;
                for (int t = 0; t < tokens; t++) {
                    int qt = (base + t) * ld + col;
                    for (int s = 0; s < tokens; s++) p[s] = score(q, qt, k, (base + s) * ld + col, headDim) * scale;
                    Softmax.row(p, p, 0, tokens);
                    int ot = (base + t) * ldo + col;
                    for (int j = 0; j < headDim; j++) out[ot + j] = weighted(p, 0, 1, v, base * ld + col + j, ld, tokens);
                }
            }
        }
    }

    /**
     * One (sample, head). Whole vectors of query rows go through {@link #block}, one row per lane;
     * the rows left over go a row of scores at a time through {@link #rows}.
     */
    private static void unit(int n, int h, int tokens, int headDim, float scale, float[] q, float[] k, float[] v,
                             int ld, float[] out, int ldo, Scratch scratch) {
        int t = 0, lanes = S.length();
        if (!VectorPolicy.SCALAR) {
            for (; t + lanes <= tokens; t += lanes) {
                if (!block(t, n * tokens, h * headDim, tokens, headDim, scale, q, k, v, ld, out, ldo, scratch))
                    rows(t, t + lanes, n, h, tokens, headDim, scale, q, k, v, ld, out, ldo, scratch);
            }
        }
        if (t < tokens) rows(t, tokens, n, h, tokens, headDim, scale, q, k, v, ld, out, ldo, scratch);
    }

    /**
     * Query rows t..t+L (L lanes), row t+l in lane l: the scores transposed (a vector per key, from
     * the queries transposed into scratch), each row's softmax as the lanes of vector operations,
     * then the context rows. A row's softmax is {@link Softmax#row}'s arithmetic in the same order:
     * the maximum (order-free), the exponentials, the sum with the vector part's lanes (keys j and
     * j + L, …, accumulated in order) folded pairwise as {@link VectorPolicy#laneSum} folds them and
     * the keys past the last whole vector added after, then 1/sum and the products. Returns false,
     * having written nothing, if some row's scores are all −∞ (the row path handles that case).
     */
    private static boolean block(int t, int base, int col, int tokens, int headDim, float scale, float[] q, float[] k,
                                 float[] v, int ld, float[] out, int ldo, Scratch scratch) {
        int lanes = S.length();
        float[] qt = scratch.kt(headDim * lanes), st = scratch.scores(tokens * lanes), acc = scratch.lanes(lanes * lanes);
        for (int l = 0; l < lanes; l++) {
            int qr = (base + t + l) * ld + col;
            for (int i = 0; i < headDim; i++) qt[i * lanes + l] = q[qr + i];
        }
        int s = 0;
        for (; s + ROWS <= tokens; s += ROWS) {
            // Four keys at a time: four independent chains of fused multiply-adds.
            int k0 = (base + s) * ld + col, k1 = k0 + ld, k2 = k1 + ld, k3 = k2 + ld;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < headDim; i++) {
                FloatVector qv = FloatVector.fromArray(S, qt, i * lanes);
                a0 = FloatVector.broadcast(S, k[k0 + i]).fma(qv, a0);
                a1 = FloatVector.broadcast(S, k[k1 + i]).fma(qv, a1);
                a2 = FloatVector.broadcast(S, k[k2 + i]).fma(qv, a2);
                a3 = FloatVector.broadcast(S, k[k3 + i]).fma(qv, a3);
            }
            a0.mul(scale).intoArray(st, s * lanes);
            a1.mul(scale).intoArray(st, (s + 1) * lanes);
            a2.mul(scale).intoArray(st, (s + 2) * lanes);
            a3.mul(scale).intoArray(st, (s + 3) * lanes);
        }
        for (; s < tokens; s++) {
            int ks = (base + s) * ld + col;
            FloatVector a = FloatVector.zero(S);
            for (int i = 0; i < headDim; i++) a = FloatVector.broadcast(S, k[ks + i]).fma(FloatVector.fromArray(S, qt, i * lanes), a);
            a.mul(scale).intoArray(st, s * lanes);
        }
        FloatVector max = FloatVector.fromArray(S, st, 0);
        for (s = 1; s < tokens; s++) max = max.max(FloatVector.fromArray(S, st, s * lanes));
        if (max.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY).anyTrue()) return false;
        for (s = 0; s < tokens; s++) FloatExp.exp(FloatVector.fromArray(S, st, s * lanes).sub(max)).intoArray(st, s * lanes);
        int bound = VectorPolicy.loopBound(tokens);
        for (int l = 0; l < lanes; l++) {
            FloatVector a = FloatVector.zero(S);
            for (int j = l; j < bound; j += lanes) a = a.add(FloatVector.fromArray(S, st, j * lanes));
            a.intoArray(acc, l * lanes);
        }
        for (int half = lanes / 2; half > 0; half /= 2) {
            for (int i = 0; i < half; i++)
                FloatVector.fromArray(S, acc, i * lanes).add(FloatVector.fromArray(S, acc, (i + half) * lanes)).intoArray(acc, i * lanes);
        }
        FloatVector sum = bound > 0 ? FloatVector.fromArray(S, acc, 0) : FloatVector.zero(S);
        for (int j = bound; j < tokens; j++) sum = sum.add(FloatVector.fromArray(S, st, j * lanes));
        FloatVector inv = FloatVector.broadcast(S, 1f).div(sum);
        for (s = 0; s < tokens; s++) FloatVector.fromArray(S, st, s * lanes).mul(inv).intoArray(st, s * lanes);
        for (int l = 0; l < lanes; l += ROWS) context4(t + l, st, l, 1, lanes, base, col, tokens, headDim, v, ld, out, ldo);
        return true;
    }

    /**
     * Query rows [from, to), a row of scores at a time, then their softmax row by row, then the context
     * rows. With {@link #ROWS} rows or more, keys are transposed into scratch so that scores run as
     * vectors over keys (the keys past the last whole vector in scalar); both products take ROWS rows
     * at a time, whose independent chains of fused multiply-adds overlap in the core.
     */
    private static void rows(int from, int to, int n, int h, int tokens, int headDim, float scale, float[] q, float[] k,
                             float[] v, int ld, float[] out, int ldo, Scratch scratch) {
        int base = n * tokens, col = h * headDim;
        int sb = to - from >= ROWS ? VectorPolicy.loopBound(tokens) : 0;
        float[] kt = scratch.kt(headDim * sb), p = scratch.scores(tokens * tokens);
        for (int s = 0; s < sb; s++) {
            int ks = (base + s) * ld + col;
            for (int i = 0; i < headDim; i++) kt[i * sb + s] = k[ks + i];
        }
        int t = from;
        for (; t + ROWS <= to; t += ROWS) scores4(t, base, col, tokens, headDim, sb, scale, q, k, kt, ld, p);
        for (; t < to; t++) scores1(t, base, col, tokens, headDim, sb, scale, q, k, kt, ld, p);
        for (t = from; t < to; t++) Softmax.row(p, p, t * tokens, tokens);
        for (t = from; t + ROWS <= to; t += ROWS) context4(t, p, t * tokens, tokens, 1, base, col, tokens, headDim, v, ld, out, ldo);
        for (; t < to; t++) context1(t, p, t * tokens, 1, base, col, tokens, headDim, v, ld, out, ldo);
    }

    /** Scaled scores of query rows t..t+3 against every key, into p's rows t..t+3. */
    private static void scores4(int t, int base, int col, int tokens, int headDim, int sb, float scale,
                                float[] q, float[] k, float[] kt, int ld, float[] p) {
        int q0 = (base + t) * ld + col, q1 = q0 + ld, q2 = q1 + ld, q3 = q2 + ld;
        int p0 = t * tokens, p1 = p0 + tokens, p2 = p1 + tokens, p3 = p2 + tokens;
        for (int s0 = 0; s0 < sb; s0 += S.length()) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < headDim; i++) {
                FloatVector kv = FloatVector.fromArray(S, kt, i * sb + s0);
                a0 = FloatVector.broadcast(S, q[q0 + i]).fma(kv, a0);
                a1 = FloatVector.broadcast(S, q[q1 + i]).fma(kv, a1);
                a2 = FloatVector.broadcast(S, q[q2 + i]).fma(kv, a2);
                a3 = FloatVector.broadcast(S, q[q3 + i]).fma(kv, a3);
            }
            a0.mul(scale).intoArray(p, p0 + s0);
            a1.mul(scale).intoArray(p, p1 + s0);
            a2.mul(scale).intoArray(p, p2 + s0);
            a3.mul(scale).intoArray(p, p3 + s0);
        }
        for (int s = sb; s < tokens; s++) {
            int ks = (base + s) * ld + col;
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            for (int i = 0; i < headDim; i++) {
                float kv = k[ks + i];
                a0 = Math.fma(q[q0 + i], kv, a0);
                a1 = Math.fma(q[q1 + i], kv, a1);
                a2 = Math.fma(q[q2 + i], kv, a2);
                a3 = Math.fma(q[q3 + i], kv, a3);
            }
            p[p0 + s] = a0 * scale;
            p[p1 + s] = a1 * scale;
            p[p2 + s] = a2 * scale;
            p[p3 + s] = a3 * scale;
        }
    }

    /** {@link #scores4} for one query row. */
    private static void scores1(int t, int base, int col, int tokens, int headDim, int sb, float scale,
                                float[] q, float[] k, float[] kt, int ld, float[] p) {
        int qt = (base + t) * ld + col, pt = t * tokens;
        for (int s0 = 0; s0 < sb; s0 += S.length()) {
            FloatVector acc = FloatVector.zero(S);
            for (int i = 0; i < headDim; i++)
                acc = FloatVector.broadcast(S, q[qt + i]).fma(FloatVector.fromArray(S, kt, i * sb + s0), acc);
            acc.mul(scale).intoArray(p, pt + s0);
        }
        int s = sb;
        for (; s + ROWS <= tokens; s += ROWS) {
            int k0 = (base + s) * ld + col, k1 = k0 + ld, k2 = k1 + ld, k3 = k2 + ld;
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            for (int i = 0; i < headDim; i++) {
                float qv = q[qt + i];
                a0 = Math.fma(qv, k[k0 + i], a0);
                a1 = Math.fma(qv, k[k1 + i], a1);
                a2 = Math.fma(qv, k[k2 + i], a2);
                a3 = Math.fma(qv, k[k3 + i], a3);
            }
            p[pt + s] = a0 * scale;
            p[pt + s + 1] = a1 * scale;
            p[pt + s + 2] = a2 * scale;
            p[pt + s + 3] = a3 * scale;
        }
        for (; s < tokens; s++) p[pt + s] = score(q, qt, k, (base + s) * ld + col, headDim) * scale;
    }

    /**
     * Context rows t..t+3: vectors over the head dimension, then a scalar tail. Row r's probability
     * for key s is p[p0 + r·pRow + s·pStride] (rows of a score matrix, or lanes of a transposed one).
     */
    private static void context4(int t, float[] p, int p0, int pRow, int pStride, int base, int col, int tokens, int headDim,
                                 float[] v, int ld, float[] out, int ldo) {
        int p1 = p0 + pRow, p2 = p1 + pRow, p3 = p2 + pRow;
        int o0 = (base + t) * ldo + col, o1 = o0 + ldo, o2 = o1 + ldo, o3 = o2 + ldo;
        int jb = VectorPolicy.loopBound(headDim), j0 = 0;
        for (; j0 < jb; j0 += S.length()) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int s = 0, ps = 0, vs = base * ld + col + j0; s < tokens; s++, ps += pStride, vs += ld) {
                FloatVector vv = FloatVector.fromArray(S, v, vs);
                a0 = FloatVector.broadcast(S, p[p0 + ps]).fma(vv, a0);
                a1 = FloatVector.broadcast(S, p[p1 + ps]).fma(vv, a1);
                a2 = FloatVector.broadcast(S, p[p2 + ps]).fma(vv, a2);
                a3 = FloatVector.broadcast(S, p[p3 + ps]).fma(vv, a3);
            }
            a0.intoArray(out, o0 + j0);
            a1.intoArray(out, o1 + j0);
            a2.intoArray(out, o2 + j0);
            a3.intoArray(out, o3 + j0);
        }
        for (int j = j0; j < headDim; j++) {
            int vj = base * ld + col + j;
            out[o0 + j] = weighted(p, p0, pStride, v, vj, ld, tokens);
            out[o1 + j] = weighted(p, p1, pStride, v, vj, ld, tokens);
            out[o2 + j] = weighted(p, p2, pStride, v, vj, ld, tokens);
            out[o3 + j] = weighted(p, p3, pStride, v, vj, ld, tokens);
        }
    }

    /** {@link #context4} for one row. */
    private static void context1(int t, float[] p, int pt, int pStride, int base, int col, int tokens, int headDim,
                                 float[] v, int ld, float[] out, int ldo) {
        int ot = (base + t) * ldo + col;
        int jb = VectorPolicy.loopBound(headDim), j0 = 0;
        for (; j0 < jb; j0 += S.length()) {
            FloatVector acc = FloatVector.zero(S);
            for (int s = 0, ps = pt, vs = base * ld + col + j0; s < tokens; s++, ps += pStride, vs += ld)
                acc = FloatVector.broadcast(S, p[ps]).fma(FloatVector.fromArray(S, v, vs), acc);
            acc.intoArray(out, ot + j0);
        }
        for (int j = j0; j < headDim; j++) out[ot + j] = weighted(p, pt, pStride, v, base * ld + col + j, ld, tokens);
    }

    /** q_t·k_s as one fused multiply-add chain over the head dimension, from zero. */
    private static float score(float[] q, int qt, float[] k, int ks, int headDim) {
        float acc = 0f;
        for (int i = 0; i < headDim; i++) acc = Math.fma(q[qt + i], k[ks + i], acc);
        return acc;
    }

    /** Σ_s p[pt + s·pStride]·v[vj + s·ld] as one fused multiply-add chain over the keys, from zero. */
    private static float weighted(float[] p, int pt, int pStride, float[] v, int vj, int ld, int tokens) {
        float acc = 0f;
        for (int s = 0; s < tokens; s++) acc = Math.fma(p[pt + s * pStride], v[vj + s * ld], acc);
        return acc;
    }

    private static void check(int batch, int tokens, int heads, int headDim, float[] q, float[] k, float[] v,
                              int ld, float[] out, int ldo) {
        if (batch < 0 || tokens < 1 || heads < 1 || headDim < 1)
            throw new IllegalArgumentException("attention: invalid sizes batch=" + batch + " tokens=" + tokens + " heads=" + heads + " headDim=" + headDim);
        int inner = heads * headDim;
        if (ld < inner || ldo < inner)
            throw new IllegalArgumentException("attention: row strides ld=" + ld + ", ldo=" + ldo + " are below heads·headDim=" + inner);
        long rows = (long) batch * tokens;
        if (rows == 0) return;
        long need = (rows - 1) * ld + inner, needOut = (rows - 1) * ldo + inner;
        if (q.length < need || k.length < need || v.length < need)
            throw new IllegalArgumentException("attention: q, k, v have " + q.length + ", " + k.length + ", " + v.length
                    + " floats; " + rows + " rows of stride " + ld + " need " + need);
        if (out.length < needOut)
            throw new IllegalArgumentException("attention: out has " + out.length + " floats; " + rows + " rows of stride " + ldo + " need " + needOut);
    }

    /** A thread's transposed keys or queries, scores and lane sums, grown on demand and kept. */
    private static final class Scratch {
        private float[] kt = new float[0], scores = new float[0], lanes = new float[0];

        float[] kt(int size) {
            if (kt.length < size) kt = new float[size];
            return kt;
        }

        float[] lanes(int size) {
            if (lanes.length < size) lanes = new float[size];
            return lanes;
        }

        float[] scores(int size) {
            if (scores.length < size) scores = new float[size];
            return scores;
        }
    }
}
