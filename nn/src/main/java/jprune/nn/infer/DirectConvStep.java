package jprune.nn.infer;

import jprune.tensor.DirectConv;
import jprune.tensor.Epilogue;

/** A convolution with few filters, its ReLU and 2×2 max pooling fused, by {@link DirectConv} (channel-first output). */
final class DirectConvStep extends Step {
    private final DirectConv.Plan plan;
    private final float[] packed;
    private final Epilogue epilogue;
    private final String what;

    DirectConvStep(Activation in, Activation out, DirectConv.Plan plan, float[] weight, Epilogue epilogue, String what) {
        super(in, out);
        this.plan = plan;
        this.packed = DirectConv.packWeights(plan, weight);
        this.epilogue = epilogue;
        this.what = what;
    }

    @Override
    void run(float[] x, int xOff, float[] y, int yOff, int count, Workspace ws, int index) {
        for (int i = 0; i < count; i++)
            DirectConv.forward(plan, x, xOff + i * in.size(), packed, epilogue, y, yOff + i * out.size(), ws.scratch);
    }

    @Override
    long work() {
        return plan.work();
    }

    @Override
    int scratchSize() {
        return DirectConv.scratchSize();
    }

    @Override
    String describe() {
        return what + " (direct, channel-first)";
    }
}
