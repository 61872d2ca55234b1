package jprune.nn.infer;

import jprune.nn.layers.MultiHeadSelfAttention;
import jprune.nn.models.TransformerBlock;
import jprune.tensor.Activations;
import jprune.tensor.AttentionKernels;

/**
 * A pre-norm transformer block compiled for inference on a group's token rows: x + attn(norm1(x)),
 * then x + mlp(norm2(x)). The projections' biases run in their products' epilogues, and the
 * residual adds in the epilogues of the attention's output projection and of fc2, which write
 * straight into the stream. Every value takes the model's rounding steps in the model's order.
 *
 * <p>When only the first token (a class token) is read after the block, everything after the keys
 * and values runs on first rows alone: each row's query, attention, projections, norm and MLP depend
 * on no other row's, so those rows get the bits they get in the whole sequence.
 */
final class EncoderBlock {
    private final RowNorm norm1, norm2;
    private final PackedLinear query, key, value, out, fc1, fc2;
    private final int heads, headDim;
    private final float scale;

    /** Whether block has this compiled form. */
    static boolean fits(TransformerBlock block) {
        return RowNorm.plain(block.norm1()) && RowNorm.plain(block.norm2());
    }

    EncoderBlock(TransformerBlock block) {
        MultiHeadSelfAttention a = block.attention();
        this.norm1 = RowNorm.of(block.norm1());
        this.norm2 = RowNorm.of(block.norm2());
        this.query = PackedLinear.of(a.query());
        this.key = PackedLinear.of(a.key());
        this.value = PackedLinear.of(a.value());
        this.out = PackedLinear.of(a.out());
        this.fc1 = PackedLinear.of(block.fc1());
        this.fc2 = PackedLinear.of(block.fc2());
        this.heads = a.heads();
        this.headDim = a.headDim();
        this.scale = (float) (1 / Math.sqrt(headDim));
    }

    /** Floats per row of the query, key, value and context buffers. */
    int innerWidth() {
        return query.width();
    }

    /** Floats per row of the MLP's hidden buffer. */
    int hiddenWidth() {
        return fc1.width();
    }

    /**
     * The block on samples × tokens rows of b.stream (ld floats apart), in place; with firstOnly, only
     * each sample's first row of the stream is brought up to date.
     */
    void run(VitBuffers b, int samples, int tokens, int ld, boolean firstOnly) {
        int rows = samples * tokens, iw = innerWidth(), hw = hiddenWidth();
        norm1.apply(b.stream, 0, ld, b.normed, 0, ld, rows);
        key.forward(rows, b.normed, 0, ld, b.k, 0, iw);
        value.forward(rows, b.normed, 0, ld, b.v, 0, iw);
        // From here on, firstOnly takes every tokens-th row: the same buffers, rows further apart.
        int m = firstOnly ? samples : rows, step = firstOnly ? tokens : 1;
        query.forward(m, b.normed, 0, step * ld, b.q, 0, step * iw);
        if (firstOnly) AttentionKernels.forwardFirst(samples, tokens, heads, headDim, scale, b.q, b.k, b.v, iw, b.context, iw);
        else AttentionKernels.forward(samples, tokens, heads, headDim, scale, b.q, b.k, b.v, iw, b.context, iw);
        out.forwardAdd(m, b.context, 0, step * iw, b.stream, 0, step * ld);
        norm2.apply(b.stream, 0, step * ld, b.normed, 0, step * ld, m);
        fc1.forward(m, b.normed, 0, step * ld, b.hidden, 0, hw);
        // GELU as a pass of its own over the hidden rows (in L1/L2): fused into the product's epilogue,
        // its chain of vector helpers was not always inlined there, and every vector was then boxed.
        Activations.geluForward(b.hidden, b.hidden, m * hw);
        fc2.forwardAdd(m, b.hidden, 0, hw, b.stream, 0, step * ld);
    }

    /** Multiply-adds per sample (an exponential counted as 8, as the attention kernel counts it). */
    long work(int tokens, boolean firstOnly) {
        int queries = firstOnly ? 1 : tokens;
        long attention = (long) heads * queries * tokens * (2L * headDim + 8);
        return tokens * (key.work() + value.work()) + queries * (query.work() + out.work() + fc1.work() + fc2.work()) + attention;
    }

    /** heads and MLP width, e.g. "3h/64". */
    String describe() {
        return heads + "h/" + fc1.out();
    }
}
