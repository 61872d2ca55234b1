package jprune.nn.models;

import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.Arithmetic;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Reshaping;
import jprune.nn.autograd.Variable;
import jprune.nn.layers.Conv2d;
import jprune.nn.layers.Init;
import jprune.nn.layers.LayerNorm;
import jprune.nn.layers.Linear;
import jprune.nn.layers.Sequential;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;

/**
 * A small ViT: non-overlapping patches embedded by a strided convolution, a class token and learned
 * position embeddings, pre-norm transformer blocks, and a linear head on the class token.
 */
public final class VisionTransformer extends Module {
    private final Conv2d patchEmbed;
    private final Parameter clsToken, posEmbed;
    private final Sequential blocks;
    private final LayerNorm norm;
    private final Linear head;
    private final int dim;

    public VisionTransformer(int inChannels, int imageSize, int patch, int dim, int depth, int heads, int headDim,
                             int mlpDim, int classes, Rng rng) {
        this(inChannels, imageSize, patch, dim, repeat(heads, depth), headDim, repeat(mlpDim, depth), classes, rng);
    }

    /**
     * A ViT whose blocks may differ in head count and MLP width (as structured pruning leaves them):
     * block i has blockHeads[i] heads and an MLP of blockMlp[i] neurons.
     */
    public VisionTransformer(int inChannels, int imageSize, int patch, int dim, int[] blockHeads, int headDim,
                             int[] blockMlp, int classes, Rng rng) {
        int depth = blockHeads.length;
        if (blockMlp.length != depth)
            throw new IllegalArgumentException("per-block head counts (" + depth + ") and MLP widths (" + blockMlp.length + ") differ in length");
        if (imageSize % patch != 0) throw new IllegalArgumentException("image size " + imageSize + " is not a multiple of patch size " + patch);
        this.dim = dim;
        int tokens = (imageSize / patch) * (imageSize / patch) + 1;
        this.patchEmbed = registerModule("patch_embed", new Conv2d(inChannels, dim, patch, patch, 0, true, rng));
        this.clsToken = registerParameter("cls_token", new Parameter(Init.normal(rng, 0.02f, 1, 1, dim), Parameter.Kind.TOKEN));
        this.posEmbed = registerParameter("pos_embed", new Parameter(Init.normal(rng, 0.02f, 1, tokens, dim), Parameter.Kind.TOKEN));
        this.blocks = registerModule("blocks", new Sequential());
        for (int i = 0; i < depth; i++) blocks.add(new TransformerBlock(dim, blockHeads[i], headDim, blockMlp[i], rng));
        this.norm = registerModule("norm", new LayerNorm(dim));
        this.head = registerModule("head", new Linear(dim, classes, true, rng));
    }

    /**
     * The token sequence without a graph, in one pass: row 0 of each sample is cls + pos[0], row
     * 1 + i is patch i's embedding (a column of the [N, D, h·w] convolution output) + pos[1 + i].
     * The same single additions as transposing, concatenating and adding, minus three copies.
     */
    private static Tensor sequence(Tensor patches, Tensor cls, Tensor pos) {
        int[] s = patches.shape();
        int n = s[0], d = s[1], count = s[2] * s[3], t = count + 1;
        float[] pd = patches.data(), cd = cls.data(), qd = pos.data();
        Tensor out = Tensor.zeros(n, t, d);
        float[] o = out.data();
        for (int b = 0; b < n; b++) {
            int row0 = b * t * d;
            for (int c = 0; c < d; c++) o[row0 + c] = cd[c] + qd[c];
            for (int c = 0; c < d; c++) {
                int src = (b * d + c) * count;
                for (int i = 0; i < count; i++) o[row0 + (1 + i) * d + c] = pd[src + i] + qd[(1 + i) * d + c];
            }
        }
        return out;
    }

    /** The patch embedding: a convolution whose stride is its kernel size, without padding. */
    public Conv2d patchEmbed() {
        return patchEmbed;
    }

    /** [1, 1, D]. */
    public Parameter clsToken() {
        return clsToken;
    }

    /** [1, tokens, D]: the class token's position first, then the patches' in row-major order. */
    public Parameter posEmbed() {
        return posEmbed;
    }

    /** The transformer blocks, in order. */
    public java.util.List<TransformerBlock> blocks() {
        return blocks.children().values().stream().map(m -> (TransformerBlock) m).toList();
    }

    /** The final norm, applied to the class token. */
    public LayerNorm norm() {
        return norm;
    }

    public Linear head() {
        return head;
    }

    /** Width of the residual stream. */
    public int dim() {
        return dim;
    }

    private static int[] repeat(int v, int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Override
    protected Variable compute(Variable x) {
        int n = x.size(0);
        Variable p = patchEmbed.forward(x);                                           // [N, D, h, w]
        Variable seq;
        if (GradMode.isEnabled() && (p.requiresGrad() || clsToken.requiresGrad() || posEmbed.requiresGrad())) {
            Variable tokens = Reshaping.transpose(Reshaping.flatten(p, 2), 1, 2);         // [N, h·w, D]
            Variable cls = Reshaping.expandLeading(Reshaping.reshape(clsToken, 1, dim), n); // [N, 1, D]
            seq = Arithmetic.add(Reshaping.concat(1, cls, tokens), posEmbed);             // [N, T, D]
        } else {
            seq = Variable.constant(sequence(p.value(), clsToken.value(), posEmbed.value()));
        }
        Variable h = blocks.forward(seq);
        // The head reads the class token only. Without a graph, only that row is normalised (layer
        // norm is per row, so the values are the same); with one, the norm sees the whole sequence.
        Variable first = h.requiresGrad()
                ? Reshaping.narrow(norm.forward(h), 1, 0, 1)
                : norm.forward(Reshaping.narrow(h, 1, 0, 1));
        return head.forward(Reshaping.reshape(first, n, dim));
    }
}
