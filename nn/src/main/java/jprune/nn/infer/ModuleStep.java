package jprune.nn.infer;

import jprune.nn.Module;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.tensor.Tensor;

/**
 * Any module the plan has no kernel for, run through {@link Module#forward} in no-grad mode on a
 * copy of its input in PyTorch's layout: correct for every module, fast for none (it allocates per
 * call). The plan puts it only where nothing better applies.
 *
 * <p>A module with weights (a whole model of a kind the plan does not know) runs on a group of samples at once,
 * never image by image: every forward pays the module's per-operation costs (allocations, graph
 * bookkeeping, a hand-off in each kernel big enough to split), so a group of 64 costs little more
 * than one image. It is split over threads by samples, as the plan's own steps are: one hand-off
 * per call instead of one in every kernel, and the element-wise kernels that stay on one thread
 * (bias adds, activations) run on every core; each thread takes its whole share in one forward.
 */
final class ModuleStep extends Step {
    private final Module module;
    private final int[] inShape;
    private final String what;
    private final long parameters;
    /** For a {@link SparseLayer}: whether its weight is small enough for the caches, so its kernels stay on the calling thread. */
    private final boolean smallSparse;

    /** in must be natural; inShape is one sample's shape. */
    ModuleStep(Activation in, Activation out, Module module, int[] inShape, String what) {
        super(in, out);
        if (!in.natural() || !out.natural()) throw new IllegalArgumentException("a module step reads and writes PyTorch's layout");
        this.module = module;
        this.inShape = inShape;
        this.what = what;
        this.parameters = module.parameterCount();
        this.smallSparse = module instanceof SparseLayer sparse && sparse.nonzeros() < InferencePlan.LAYER_FANOUT_NONZEROS;
    }

    /** At least the module's parameter count: each weight takes part in at least one multiply-add per sample. */
    @Override
    long work() {
        return parameters;
    }

    @Override
    int rowsPerChunk() {
        return parameters > 0 ? InferencePlan.GROUP : 1;
    }

    @Override
    boolean runsOnGroups() {
        return parameters > 0;
    }

    @Override
    void run(float[] x, int xOff, float[] y, int yOff, int count, Workspace ws, int index) {
        int[] shape = new int[inShape.length + 1];
        shape[0] = count;
        System.arraycopy(inShape, 0, shape, 1, inShape.length);
        float[] xs = java.util.Arrays.copyOfRange(x, xOff, xOff + count * in.size());
        Tensor result;
        try (var g = GradMode.noGrad()) {
            result = module.forward(Variable.constant(Tensor.of(xs, shape))).value();
        }
        if (result.numel() != count * out.size())
            throw new IllegalStateException(what + " gave " + result.numel() + " values for " + count + " samples, expected " + count * out.size());
        System.arraycopy(result.data(), 0, y, yOff, result.numel());
    }

    /**
     * The module's kernels stay on the calling thread for count samples: a small sparse
     * layer's always ({@link SparseLayer}); any other's below the plan's {@link
     * InferencePlan#PARALLEL_WORK}, its work counted as each input value or weight (whichever are
     * more) once a sample. The module's kernels split by their own thresholds, set for training
     * batches: batch norm splits its channels from two on. A 90%-pruned convnet compressed to int8 CSR
     * throughout (convolutions as SparseConv2d, each followed by batch norm and pooling as modules)
     * took 514-595 µs at batch 1 with those kernels split and 378-404 µs with all on one thread
     * (2026-12-05, Zen 5, interleaved).
     */
    @Override
    boolean serial(int count) {
        if (module instanceof SparseLayer) return smallSparse;
        return (long) count * Math.max(parameters, in.size()) < InferencePlan.PARALLEL_WORK;
    }

    @Override
    String describe() {
        return what + " (module fallback)";
    }
}
