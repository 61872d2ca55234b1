package jprune.nn.infer;

/**
 * Copies a sample from one buffer layout to another (adding or removing padding, channel-first to
 * channel-last or back, a flat row into PyTorch's feature order): where no kernel can write the
 * layout the next step reads. Both offset tables are computed once.
 */
final class RelayoutStep extends Step {
    private final int[] from, to;

    RelayoutStep(Activation in, Activation out) {
        super(in, out);
        if (in.features() != out.features()) throw new IllegalArgumentException("relayout of " + in.features() + " into " + out.features() + " elements");
        from = new int[in.features()];
        to = new int[in.features()];
        for (int e = 0; e < from.length; e++) {
            from[e] = in.offsetOf(e);
            to[e] = out.offsetOf(e);
        }
    }

    @Override
    void run(float[] x, int xOff, float[] y, int yOff, int count, Workspace ws, int index) {
        for (int i = 0; i < count; i++) {
            int xi = xOff + i * in.size(), yi = yOff + i * out.size();
            for (int e = 0; e < from.length; e++) y[yi + to[e]] = x[xi + from[e]];
        }
    }

    @Override
    String describe() {
        return "relayout";
    }
}
