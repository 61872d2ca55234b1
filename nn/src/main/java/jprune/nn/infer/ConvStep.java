package jprune.nn.infer;

import jprune.tensor.Epilogue;
import jprune.tensor.IndirectConv;
import jprune.tensor.Parallel;

/** A convolution with its batch norm, ReLU and 2×2 max pooling fused, by {@link IndirectConv}. */
final class ConvStep extends Step {
    /** Parts one image is shared out in, at least: a few per thread, so a late helper holds up little. */
    private static final int SPLIT_CHUNKS = 4;
    /** Per thread, for a share of one image: slot 0 the output as the plan lays it out, slot 1 the tiles' scratch. */
    private static final ThreadLocal<Scratch> PRIVATE = ThreadLocal.withInitial(Scratch::new);

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
        if (count == 1 && plan.work() >= InferencePlan.PARALLEL_WORK && Parallel.threads() > 1 && !Parallel.inWorker()) {
            splitImage(x, xOff, y, yOff);
            return;
        }
        for (int i = 0; i < count; i++)
            IndirectConv.forward(plan, x, xOff + i * in.size(), packed, epilogue, y, yOff + i * out.size(), ws.scratch);
    }

    /**
     * One image (batch 1) whose convolution is big enough: shared out ({@link Parallel#share}) in
     * parts of (a range of tiles, one block of output channels), each computed into the computing
     * thread's own copy of the output and then copied out, so the caller never waits on a helper
     * another process holds. Every output is the same chain of multiply-adds as in one pass. The plan
     * splits batches by samples; without this one image used one core (convnet at batch 1: 1.7× ONNX
     * Runtime's time on a 2-core Xeon). Channel blocks as well as tiles make parts that balance when
     * the tiles are few: convnet's conv3 has 5 tiles (as tile chunks alone, 3 of them fell to one
     * thread) and 3 blocks; a part also reads only its block's weights.
     */
    private void splitImage(float[] x, int xOff, float[] y, int yOff) {
        int tiles = IndirectConv.tiles(plan), blocks = IndirectConv.blocks(plan);
        int tileChunks = Math.min(tiles, (SPLIT_CHUNKS + blocks - 1) / blocks), parts = tileChunks * blocks;
        Parallel.share(parts, c -> {
            int t = c / blocks, b = c % blocks;
            int from = Parallel.bound(tiles, tileChunks, t), to = Parallel.bound(tiles, tileChunks, t + 1);
            Scratch own = PRIVATE.get();
            float[] part = own.floats(0, plan.outputSize());
            IndirectConv.forwardPart(plan, x, xOff, packed, epilogue, part, 0, own.floats(1, IndirectConv.scratchSize()), from, to, b, b + 1);
            return () -> IndirectConv.copyPart(plan, from, to, b, b + 1, part, 0, y, yOff);
        });
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
