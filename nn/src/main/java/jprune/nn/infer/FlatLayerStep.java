package jprune.nn.infer;

/** A module that implements {@link FlatLayer}, with a ReLU after it applied in the same pass over its rows. */
final class FlatLayerStep extends Step {
    private final FlatLayer layer;
    private final boolean relu;
    private final String what;

    FlatLayerStep(Activation in, Activation out, FlatLayer layer, boolean relu, String what) {
        super(in, out);
        this.layer = layer;
        this.relu = relu;
        this.what = what;
    }

    @Override
    void run(float[] x, int xOff, float[] y, int yOff, int count, Workspace ws, int index) {
        if (ws.state[index] == null) ws.state[index] = new Scratch();
        layer.infer(count, x, xOff, in.stride(), y, yOff, out.stride(), (Scratch) ws.state[index]);
        if (relu) {
            int n = layer.outFeatures();
            for (int r = 0; r < count; r++)
                for (int j = yOff + r * out.stride(), end = j + n; j < end; j++) y[j] = Math.max(y[j], 0f);
        }
    }

    @Override
    long work() {
        return layer.work();
    }

    /**
     * A layer whose weight the core's caches hold: splitting its rows costs more than it saves.
     * Only this step stays on the thread: a whole plan run as one chunk also kept the convolutions
     * before it from splitting (a 90%-pruned convnet with a CSR classifier took 92.8 µs at batch 1
     * against dense's 83.9 µs, 2026-12-05).
     */
    @Override
    boolean serial(int count) {
        return layer.work() < InferencePlan.LAYER_FANOUT_NONZEROS;
    }

    /** Sparse kernels set up per call, vectorise over the batch and split their rows over threads: give them all of it. */
    @Override
    int rowsPerChunk() {
        return InferencePlan.WHOLE;
    }

    @Override
    String describe() {
        return what + (relu ? " + relu" : "");
    }
}
