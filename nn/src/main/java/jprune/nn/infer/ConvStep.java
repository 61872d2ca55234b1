package jprune.nn.infer;

import jprune.tensor.Epilogue;
import jprune.tensor.IndirectConv;

/** A convolution with its batch norm, ReLU and 2×2 max pooling fused, by {@link IndirectConv}. */
final class ConvStep extends Step {
    private final IndirectConv.Plan plan;
    private final float[] packed;
    private final Epilogue epilogue;
    private final String what;

    ConvStep(Activation in, Activation out, IndirectConv.Plan plan, float[] weight, Epilogue epilogue, String what) {
        super(in, out);
        this.plan = plan;
        this.packed = IndirectConv.packWeights(plan, weight);
        this.epilogue = epilogue;
        this.what = what;
    }

    @Override
    void run(float[] x, int xOff, float[] y, int yOff, int count, Workspace ws, int index) {
        for (int i = 0; i < count; i++)
            IndirectConv.forward(plan, x, xOff + i * in.size(), packed, epilogue, y, yOff + i * out.size(), ws.scratch);
    }

    @Override
    long work() {
        return plan.work();
    }

    @Override
    int scratchSize() {
        return IndirectConv.scratchSize();
    }

    @Override
    String describe() {
        return what + (out.channelLast() ? " (indirect, channel-last)" : " (indirect)");
    }
}
