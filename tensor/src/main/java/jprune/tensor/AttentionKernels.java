package jprune.tensor;

import jdk.incubator.vector.FloatVector;
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
    /** Query rows the products take at once. */
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
                    for (int j = 0; j < headDim; j++) out[ot + j] = weighted(p, 0, v, base * ld + col + j, ld, tokens);
                }
            }
        }
    }

    /**
     * One (sample, head): the scores of all query rows, then their softmax row by row, then the
     * context rows. Keys are transposed into scratch so that scores run as vectors over keys (the
     * keys past the last whole vector in scalar); both products take {@link #ROWS} query rows at a
     * time, whose independent chains of fused multiply-adds overlap in the core.
     */
    private static void unit(int n, int h, int tokens, int headDim, float scale, float[] q, float[] k, float[] v,
                             int ld, float[] out, int ldo, Scratch scratch) {
        int base = n * tokens, col = h * headDim;
        int sb = VectorPolicy.loopBound(tokens);
        float[] kt = scratch.kt(headDim * sb), p = scratch.scores(tokens * tokens);
        for (int s = 0; s < sb; s++) {
            int ks = (base + s) * ld + col;
            for (int i = 0; i < headDim; i++) kt[i * sb + s] = k[ks + i];
        }
        int t = 0;
        for (; t + ROWS <= tokens; t += ROWS) scores4(t, base, col, tokens, headDim, sb, scale, q, k, kt, ld, p);
        for (; t < tokens; t++) scores1(t, base, col, tokens, headDim, sb, scale, q, k, kt, ld, p);
        for (t = 0; t < tokens; t++) Softmax.row(p, p, t * tokens, tokens);
        for (t = 0; t + ROWS <= tokens; t += ROWS) context4(t, base, col, tokens, headDim, p, v, ld, out, ldo);
        for (; t < tokens; t++) context1(t, base, col, tokens, headDim, p, v, ld, out, ldo);
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
        for (int s = sb; s < tokens; s++) p[pt + s] = score(q, qt, k, (base + s) * ld + col, headDim) * scale;
    }

    /** Context rows t..t+3 from p's rows t..t+3: vectors over the head dimension, then a scalar tail. */
    private static void context4(int t, int base, int col, int tokens, int headDim, float[] p, float[] v, int ld,
                                 float[] out, int ldo) {
        int p0 = t * tokens, p1 = p0 + tokens, p2 = p1 + tokens, p3 = p2 + tokens;
        int o0 = (base + t) * ldo + col, o1 = o0 + ldo, o2 = o1 + ldo, o3 = o2 + ldo;
        int jb = VectorPolicy.loopBound(headDim), j0 = 0;
        for (; j0 < jb; j0 += S.length()) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int s = 0, vs = base * ld + col + j0; s < tokens; s++, vs += ld) {
                FloatVector vv = FloatVector.fromArray(S, v, vs);
                a0 = FloatVector.broadcast(S, p[p0 + s]).fma(vv, a0);
                a1 = FloatVector.broadcast(S, p[p1 + s]).fma(vv, a1);
                a2 = FloatVector.broadcast(S, p[p2 + s]).fma(vv, a2);
                a3 = FloatVector.broadcast(S, p[p3 + s]).fma(vv, a3);
            }
            a0.intoArray(out, o0 + j0);
            a1.intoArray(out, o1 + j0);
            a2.intoArray(out, o2 + j0);
            a3.intoArray(out, o3 + j0);
        }
        for (int j = j0; j < headDim; j++) {
            int vj = base * ld + col + j;
            out[o0 + j] = weighted(p, p0, v, vj, ld, tokens);
            out[o1 + j] = weighted(p, p1, v, vj, ld, tokens);
            out[o2 + j] = weighted(p, p2, v, vj, ld, tokens);
            out[o3 + j] = weighted(p, p3, v, vj, ld, tokens);
        }
    }

    /** {@link #context4} for one row. */
    private static void context1(int t, int base, int col, int tokens, int headDim, float[] p, float[] v, int ld,
                                 float[] out, int ldo) {
        int pt = t * tokens, ot = (base + t) * ldo + col;
        int jb = VectorPolicy.loopBound(headDim), j0 = 0;
        for (; j0 < jb; j0 += S.length()) {
            FloatVector acc = FloatVector.zero(S);
            for (int s = 0, vs = base * ld + col + j0; s < tokens; s++, vs += ld)
                acc = FloatVector.broadcast(S, p[pt + s]).fma(FloatVector.fromArray(S, v, vs), acc);
            acc.intoArray(out, ot + j0);
        }
        for (int j = j0; j < headDim; j++) out[ot + j] = weighted(p, pt, v, base * ld + col + j, ld, tokens);
    }

    /** q_t·k_s as one fused multiply-add chain over the head dimension, from zero. */
    private static float score(float[] q, int qt, float[] k, int ks, int headDim) {
        float acc = 0f;
        for (int i = 0; i < headDim; i++) acc = Math.fma(q[qt + i], k[ks + i], acc);
        return acc;
    }

    /** Σ_s p[pt + s]·v[vj + s·ld] as one fused multiply-add chain over the keys, from zero. */
    private static float weighted(float[] p, int pt, float[] v, int vj, int ld, int tokens) {
        float acc = 0f;
        for (int s = 0; s < tokens; s++) acc = Math.fma(p[pt + s], v[vj + s * ld], acc);
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

    /** A thread's transposed keys and scores, grown on demand and kept. */
    private static final class Scratch {
        private float[] kt = new float[0], scores = new float[0];

        float[] kt(int size) {
            if (kt.length < size) kt = new float[size];
            return kt;
        }

        float[] scores(int size) {
            if (scores.length < size) scores = new float[size];
            return scores;
        }
    }
}
