package jprune.lm.train;

import java.util.Arrays;
import jprune.nn.autograd.Variable;
import jprune.tensor.FloatExp;
import jprune.tensor.Gemm;
import jprune.tensor.Parallel;
import jprune.tensor.Tensor;

/**
 * Causal multi-head self-attention as one differentiable op: queries, keys and values (rows are
 * tokens, batch-major, a head's features contiguous) to the concatenated heads' context. Query head
 * h reads key/value head h / (heads / kvHeads) (grouped-query attention; kvHeads = heads is plain
 * multi-head, 1 is multi-query). Scores and context are two {@link Gemm} calls per (sequence, head)
 * that read the operands in place through their row strides, so a fused QKV projection's output is
 * used without splitting it; the softmax probabilities are kept for the backward, which is four
 * more GEMMs per head. Work is split by (sequence, key/value head), so gradients of a shared
 * key/value head are summed by one thread in a fixed order: results do not depend on the thread
 * count.
 */
public final class CausalAttention {
    private CausalAttention() {}

    /** Where one of q, k, v lives: a variable with rows of {@code stride} floats, the operand starting at column {@code offset}. */
    public record Operand(Variable source, int offset, int stride) {
        /** The whole of a [tokens, width] variable. */
        public static Operand of(Variable v) {
            return new Operand(v, 0, v.size(-1));
        }
    }

    /**
     * Context [batch·seqlen, heads·headDim] of the given operands; q has heads·headDim columns, k and
     * v kvHeads·headDim, each with batch·seqlen rows.
     */
    public static Variable apply(Operand q, Operand k, Operand v, int batch, int seqlen, int heads, int kvHeads, int headDim) {
        if (batch < 1 || seqlen < 1 || heads < 1 || kvHeads < 1 || headDim < 1 || heads % kvHeads != 0)
            throw new IllegalArgumentException("attention: batch " + batch + ", seqlen " + seqlen + ", heads " + heads + ", kv heads " + kvHeads + ", head dim " + headDim);
        check("q", q, batch * seqlen, heads * headDim);
        check("k", k, batch * seqlen, kvHeads * headDim);
        check("v", v, batch * seqlen, kvHeads * headDim);
        if ((long) batch * heads * seqlen * seqlen > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("attention: batch " + batch + " × heads " + heads + " × seqlen² " + (long) seqlen * seqlen
                    + " probabilities do not fit one array; lower the batch or the sequence length");
        int t = seqlen, width = heads * headDim, group = heads / kvHeads;
        float scale = (float) (1 / Math.sqrt(headDim));
        float[] qd = q.source().value().data(), kd = k.source().value().data(), vd = v.source().value().data();
        Tensor out = Tensor.zeros(batch * t, width);
        float[] od = out.data();
        // probabilities[(b·heads + h)·T·T + i·T + j]: row i is zero beyond j = i
        float[] probs = new float[batch * heads * t * t];
        Parallel.forRange(batch * heads, 1, (c, from, to) -> {
            for (int item = from; item < to; item++) {
                int b = item / heads, h = item % heads, kvh = h / group;
                int p = item * t * t;
                Gemm.gemm(false, true, t, t, headDim, qd, q.offset() + b * t * q.stride() + h * headDim, q.stride(),
                        kd, k.offset() + b * t * k.stride() + kvh * headDim, k.stride(), false, probs, p, t);
                for (int i = 0; i < t; i++) softmaxRow(probs, p + i * t, i + 1, t, scale);
                Gemm.gemm(false, false, t, headDim, t, probs, p, t, vd, v.offset() + b * t * v.stride() + kvh * headDim, v.stride(),
                        false, od, b * t * width + h * headDim, width);
            }
        });
        return Variable.result("causal_attention", out, g -> {
            float[] gd = g.data();
            float[] gq = q.source().requiresGrad() ? q.source().gradBuffer() : null;
            float[] gk = k.source().requiresGrad() ? k.source().gradBuffer() : null;
            float[] gv = v.source().requiresGrad() ? v.source().gradBuffer() : null;
            Parallel.forRange(batch * kvHeads, 1, (c, from, to) -> {
                float[] ds = new float[t * t];
                for (int item = from; item < to; item++) {
                    int b = item / kvHeads, kvh = item % kvHeads;
                    int kOff = k.offset() + b * t * k.stride() + kvh * headDim, vOff = v.offset() + b * t * v.stride() + kvh * headDim;
                    for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                        int p = (b * heads + h) * t * t, gOff = b * t * width + h * headDim;
                        int qOff = q.offset() + b * t * q.stride() + h * headDim;
                        if (gv != null) Gemm.gemm(true, false, t, headDim, t, probs, p, t, gd, gOff, width, true, gv, vOff, v.stride());
                        if (gq == null && gk == null) continue;
                        // dP = dO·Vᵀ, then dS = P ⊙ (dP − rowsum(dP ⊙ P)) · scale (zero where P is)
                        Gemm.gemm(false, true, t, t, headDim, gd, gOff, width, vd, vOff, v.stride(), false, ds, 0, t);
                        for (int i = 0; i < t; i++) softmaxBackwardRow(probs, p + i * t, ds, i * t, i + 1, t, scale);
                        if (gq != null) Gemm.gemm(false, false, t, headDim, t, ds, 0, t, kd, kOff, k.stride(), true, gq, qOff, q.stride());
                        if (gk != null) Gemm.gemm(true, false, t, headDim, t, ds, 0, t, qd, qOff, q.stride(), true, gk, kOff, k.stride());
                    }
                }
            });
        }, q.source(), k.source(), v.source());
    }

    private static void check(String name, Operand o, int rows, int width) {
        Variable s = o.source();
        if (s.dim() != 2 || s.size(0) != rows || o.stride() != s.size(1) || o.offset() < 0 || o.offset() + width > o.stride())
            throw new IllegalArgumentException("attention: " + name + " needs " + rows + " rows with " + width + " columns from column " + o.offset()
                    + ", got a variable of shape " + Arrays.toString(s.shape()));
    }

    /** Softmax of scale·s over the first visible entries of a row; the masked rest becomes zero. */
    static void softmaxRow(float[] s, int off, int visible, int span, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < visible; j++) max = Math.max(max, s[off + j] * scale);
        float sum = 0;
        for (int j = 0; j < visible; j++) {
            float e = FloatExp.exp(s[off + j] * scale - max);
            s[off + j] = e;
            sum += e;
        }
        float inv = 1 / sum;
        for (int j = 0; j < visible; j++) s[off + j] *= inv;
        Arrays.fill(s, off + visible, off + span, 0f);
    }

    /** dS row (in place over dP) = P ⊙ (dP − Σ dP·P) · scale over the visible entries; zero beyond. */
    private static void softmaxBackwardRow(float[] p, int pOff, float[] ds, int dOff, int visible, int span, float scale) {
        float dot = 0;
        for (int j = 0; j < visible; j++) dot = Math.fma(ds[dOff + j], p[pOff + j], dot);
        for (int j = 0; j < visible; j++) ds[dOff + j] = p[pOff + j] * (ds[dOff + j] - dot) * scale;
        Arrays.fill(ds, dOff + visible, dOff + span, 0f);
    }
}
