package jprune.nn.infer;

import jprune.tensor.Epilogue;
import jprune.tensor.LinearForward;

/** A linear layer with its ReLU fused, by {@link LinearForward} from a weight transposed once at compile time. */
final class LinearStep extends Step {
    private final float[] packed;
    private final Epilogue epilogue;
    private final String what;

    LinearStep(Activation in, Activation out, float[] weight, int outFeatures, Epilogue epilogue, String what) {
        super(in, out);
        this.packed = LinearForward.packWeights(weight, outFeatures, in.features());
        this.epilogue = epilogue;
        this.what = what;
    }

    @Override
    void run(float[] x, int xOff, float[] y, int yOff, int count, Workspace ws, int index) {
        LinearForward.forward(count, in.features(), out.stride(), x, xOff, in.stride(), packed, epilogue, y, yOff, out.stride());
    }

    @Override
    long work() {
        return (long) in.features() * out.stride();
    }

    /**
     * One row tile of the GEMM (fewer rows would run through the one-row kernel) while the weight
     * stays in a core's L2 between chunks; a larger weight streams from memory once per chunk, so
     * then a thread takes its whole share of the batch at once.
     */
    @Override
    int rowsPerChunk() {
        return 4L * packed.length <= L2_SHARE ? 8 : InferencePlan.GROUP;
    }

    /** Fewer rows than a tile cost a padded tile, or as many one-row passes, each streaming the weight. */
    @Override
    int minRowsPerChunk() {
        return 8;
    }

    /** Bytes of weight that stay cached between chunks: half of a 1 MiB L2 (the rest holds activations). */
    static final long L2_SHARE = 512 * 1024;

    @Override
    String describe() {
        return what;
    }
}
