package jprune.nn.infer;

/** A ReLU that no kernel before it could take into its epilogue; the layout passes through (padding stays zero). */
final class ReluStep extends Step {
    ReluStep(Activation a) {
        super(a, a);
    }

    @Override
    void run(float[] x, int xOff, float[] y, int yOff, int count, Workspace ws, int index) {
        int n = count * in.size();
        for (int i = 0; i < n; i++) y[yOff + i] = Math.max(x[xOff + i], 0f);
    }

    @Override
    String describe() {
        return "relu";
    }
}
