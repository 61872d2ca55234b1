package jprune.nn.infer;

import jprune.nn.Module;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.tensor.Tensor;

/**
 * Any module the plan has no kernel for, run through {@link Module#forward} in no-grad mode on a
 * copy of its input in PyTorch's layout: correct for every module, fast for none (it allocates per
 * call). The plan puts it only where nothing better applies.
 */
final class ModuleStep extends Step {
    private final Module module;
    private final int[] inShape;
    private final String what;

    /** in must be natural; inShape is one sample's shape. */
    ModuleStep(Activation in, Activation out, Module module, int[] inShape, String what) {
        super(in, out);
        if (!in.natural() || !out.natural()) throw new IllegalArgumentException("a module step reads and writes PyTorch's layout");
        this.module = module;
        this.inShape = inShape;
        this.what = what;
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

    @Override
    String describe() {
        return what + " (module fallback)";
    }
}
