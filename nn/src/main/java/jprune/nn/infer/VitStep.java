package jprune.nn.infer;

import java.util.ArrayList;
import java.util.List;
import jprune.nn.models.TransformerBlock;
import jprune.nn.models.VisionTransformer;

/**
 * A whole vision transformer as one step, on a group of samples at once: the patch embedding
 * writes each image's token sequence ({@link PatchEmbedding}), the blocks update it in place
 * ({@link EncoderBlock}), the last of them on the class token's rows alone once its keys and values
 * are made, and the final norm and the head read the class token. Weights are packed once at
 * compile time; the sequence and every intermediate live in the thread's {@link VitBuffers}, rows
 * padded to whole vectors. The logits equal the model's forward bit for bit (every value takes the
 * model's rounding steps in its order) and do not depend on the group a sample comes in.
 */
final class VitStep extends Step {
    /**
     * Samples that go through the model together, and that a thread takes at once from a batch: their
     * rows (8 × 17 tokens for vit-tiny, 250 KB of intermediates) stay in a core's L2 alongside the
     * weights (0.56 MB dense), and a batch of 64 comes in 8 chunks that two threads share evenly
     * however another process delays one of them. Measured single-threaded at batch 64 (CPU time per
     * image, dense / MLP-pruned): 4 at once 44.1 / 29.7 µs, 8 41.7-44.8 / 27.8-28.9, 16 42.5 / 28.8,
     * 64 43.9-48.0 / 29.4-31.6.
     */
    static final int SAMPLES_AT_ONCE = 8;

    private final PatchEmbedding embedding;
    private final List<EncoderBlock> blocks = new ArrayList<>();
    private final RowNorm norm;
    private final PackedLinear head;
    private final int tokens, ld, innerWidth, hiddenWidth;

    /** Whether vit has this compiled form for inputs shaped like in. */
    static boolean fits(VisionTransformer vit, Activation in) {
        return !in.flat() && in.natural() && PatchEmbedding.fits(vit, in.c(), in.h(), in.w())
                && RowNorm.plain(vit.norm()) && vit.blocks().stream().allMatch(EncoderBlock::fits);
    }

    /** in must fit ({@link #fits}); out is the logits row, padded to whole vectors. */
    VitStep(Activation in, Activation out, VisionTransformer vit) {
        super(in, out);
        if (!fits(vit, in)) throw new IllegalArgumentException("vision transformer has no compiled form for input " + in);
        this.embedding = new PatchEmbedding(vit, in.c(), in.h(), in.w());
        int inner = 1, hidden = 1;
        for (TransformerBlock b : vit.blocks()) {
            EncoderBlock e = new EncoderBlock(b);
            blocks.add(e);
            inner = Math.max(inner, e.innerWidth());
            hidden = Math.max(hidden, e.hiddenWidth());
        }
        this.norm = RowNorm.of(vit.norm());
        this.head = PackedLinear.of(vit.head());
        if (out.features() != head.out() || out.stride() != head.width())
            throw new IllegalArgumentException("output " + out + " does not match the head's " + head.out() + " outputs");
        this.tokens = embedding.tokens();
        this.ld = embedding.stride();
        this.innerWidth = inner;
        this.hiddenWidth = hidden;
    }

    @Override
    void run(float[] x, int xOff, float[] y, int yOff, int count, Workspace ws, int index) {
        VitBuffers b = buffers(ws, index);
        for (int s0 = 0; s0 < count; s0 += SAMPLES_AT_ONCE) {
            int n = Math.min(SAMPLES_AT_ONCE, count - s0);
            samples(x, xOff + s0 * in.size(), n, y, yOff + s0 * out.stride(), b);
        }
    }

    /** n ≤ {@link #SAMPLES_AT_ONCE} samples through the whole model. */
    private void samples(float[] x, int xOff, int n, float[] y, int yOff, VitBuffers b) {
        int rowsPerSample = tokens * ld;
        for (int i = 0; i < n; i++) embedding.embed(x, xOff + i * in.size(), b.stream, i * rowsPerSample, b.patches);
        for (int i = 0; i < blocks.size(); i++) blocks.get(i).run(b, n, tokens, ld, i == blocks.size() - 1);
        // The head reads the class token only: row 0 of each sample.
        norm.apply(b.stream, 0, rowsPerSample, b.normed, 0, rowsPerSample, n);
        head.forward(n, b.normed, 0, rowsPerSample, y, yOff, out.stride());
    }

    private VitBuffers buffers(Workspace ws, int index) {
        if (ws.state[index] == null)
            ws.state[index] = new VitBuffers(SAMPLES_AT_ONCE * tokens, ld, innerWidth, hiddenWidth, embedding.scratchSize());
        return (VitBuffers) ws.state[index];
    }

    @Override
    long work() {
        long w = embedding.work() + head.work();
        for (int i = 0; i < blocks.size(); i++) w += blocks.get(i).work(tokens, i == blocks.size() - 1);
        return w;
    }

    @Override
    int rowsPerChunk() {
        return SAMPLES_AT_ONCE;
    }

    @Override
    boolean runsOnGroups() {
        return true;
    }

    @Override
    String describe() {
        StringBuilder b = new StringBuilder("vision transformer (fused): ").append(tokens).append(" tokens × ").append(norm.width()).append(", blocks");
        for (EncoderBlock e : blocks) b.append(' ').append(e.describe());
        return b.toString();
    }
}
