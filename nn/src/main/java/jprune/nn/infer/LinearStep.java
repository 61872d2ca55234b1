package jprune.nn.infer;

import jprune.tensor.Epilogue;
import jprune.tensor.LinearForward;
import jprune.tensor.Parallel;
import jprune.tensor.VectorPolicy;

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

    /**
     * Bytes of weight from which one sample's product is split across threads by columns. At batch 1
     * a product reads each weight once for one multiply-add, so its time is the weight's trip from
     * memory or the last-level cache; two cores each reading half and keeping it in their own L2 from
     * call to call beat one. Measured on a 2-core Xeon: convnet's 1152×256 (1.2 MB) took 18–21 µs on
     * one thread and 14.5 µs split; lenet-300-100 at batch 1 (its 784×300 is 0.95 MB) went from 15.7
     * to 13.5 µs (medians of 6 runs).
     */
    static final long SPLIT_BYTES = 512 * 1024;
    /** Vectors of columns per part of a split product: parts small enough to balance, each a few 4-vector blocks. */
    private static final int PART_VECTORS = 4;
    /** Per thread: its part of the output row before it is published. */
    private static final ThreadLocal<Scratch> PRIVATE = ThreadLocal.withInitial(Scratch::new);

    @Override
    void run(float[] x, int xOff, float[] y, int yOff, int count, Workspace ws, int index) {
        if (count == 1 && 4L * packed.length >= SPLIT_BYTES && Parallel.threads() > 1 && !Parallel.inWorker()) {
            splitColumns(x, xOff, y, yOff);
            return;
        }
        LinearForward.forward(count, in.features(), out.stride(), x, xOff, in.stride(), packed, epilogue, y, yOff, out.stride());
    }

    /**
     * One sample, its output columns shared out in parts ({@link Parallel#share}), each computed into
     * the computing thread's own row and then copied out: every output is the same chain as in one
     * pass, whoever computes it.
     */
    private void splitColumns(float[] x, int xOff, float[] y, int yOff) {
        int np = out.stride(), k = in.features(), width = PART_VECTORS * VectorPolicy.LANES;
        int parts = (np + width - 1) / width;
        Parallel.share(parts, c -> {
            int j0 = c * width, j1 = Math.min(np, j0 + width);
            float[] row = PRIVATE.get().floats(0, np);
            LinearForward.forwardRowColumns(k, np, x, xOff, packed, epilogue, row, 0, j0, j1);
            return () -> System.arraycopy(row, j0, y, yOff + j0, j1 - j0);
        });
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
