package jprune.nn.infer;

import jprune.nn.layers.Conv2d;
import jprune.nn.models.VisionTransformer;

/**
 * A vision transformer's patch embedding and token sequence, one image at a time: the strided
 * convolution (kernel = stride = patch, no padding) as the product of the image's patches, each
 * unfolded in the convolution's (channel, row, column) order, with the filters; its bias and then
 * the patch's position embedding added in the product's epilogue straight into sequence rows 1 to
 * P; row 0 the class token plus its position. Each value takes the additions the model's
 * convolution, bias, concatenation and position add take, in the same order (the position is added
 * last, to the biased sum), so the sequence equals the model's bit for bit.
 */
final class PatchEmbedding {
    private final int channels, height, width, patch, gridW, patches, depth, stride;
    private final PackedLinear filters;
    /** cls + pos[0], then pos[1..P]: rows of stride floats, zero past the model width. */
    private final float[] classRow, positions;

    /** Whether vit's patch embedding has this compiled form for inputs of channels × height × width. */
    static boolean fits(VisionTransformer vit, int channels, int height, int width) {
        Conv2d c = vit.patchEmbed();
        int p = c.kernel();
        return c.stride() == p && c.padding() == 0 && c.inChannels() == channels && height % p == 0 && width % p == 0
                && (height / p) * (width / p) + 1 == vit.posEmbed().value().shape()[1];
    }

    PatchEmbedding(VisionTransformer vit, int channels, int height, int width) {
        if (!fits(vit, channels, height, width)) throw new IllegalArgumentException("the patch embedding does not fit " + channels + "×" + height + "×" + width + " inputs");
        Conv2d c = vit.patchEmbed();
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.patch = c.kernel();
        this.gridW = width / patch;
        this.patches = (height / patch) * gridW;
        this.depth = channels * patch * patch;
        int dim = vit.dim();
        this.filters = PackedLinear.of(c.weight().value().data(), c.bias() == null ? null : c.bias().value().data(), dim, depth);
        this.stride = filters.width();
        float[] cls = vit.clsToken().value().data(), pos = vit.posEmbed().value().data();
        this.classRow = new float[stride];
        for (int d = 0; d < dim; d++) classRow[d] = cls[d] + pos[d];
        this.positions = new float[patches * stride];
        for (int i = 0; i < patches; i++) System.arraycopy(pos, (1 + i) * dim, positions, i * stride, dim);
    }

    /** Tokens per image: the class token and one per patch. */
    int tokens() {
        return patches + 1;
    }

    /** Floats per row of the sequence: the model width padded to whole vectors. */
    int stride() {
        return stride;
    }

    /** Floats of scratch {@link #embed} needs: one image's unfolded patches. */
    int scratchSize() {
        return patches * depth;
    }

    /** Multiply-adds per image. */
    long work() {
        return patches * filters.work();
    }

    /** One image (channel-first at xOff) into its tokens × stride sequence at seqOff. */
    void embed(float[] x, int xOff, float[] seq, int seqOff, float[] scratch) {
        unfold(x, xOff, scratch);
        System.arraycopy(classRow, 0, seq, seqOff, stride);
        System.arraycopy(positions, 0, seq, seqOff + stride, patches * stride);
        filters.forwardAdd(patches, scratch, 0, depth, seq, seqOff + stride, stride);
    }

    /** Row i of out = patch i (row-major over the grid), in (channel, row, column) order. */
    private void unfold(float[] x, int xOff, float[] out) {
        for (int i = 0; i < patches; i++) {
            int y0 = i / gridW * patch, x0 = i % gridW * patch, o = i * depth;
            for (int ch = 0; ch < channels; ch++)
                for (int r = 0; r < patch; r++, o += patch)
                    System.arraycopy(x, xOff + (ch * height + y0 + r) * width + x0, out, o, patch);
        }
    }
}
