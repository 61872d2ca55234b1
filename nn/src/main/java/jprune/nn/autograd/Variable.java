package jprune.nn.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.Consumer;
import jprune.tensor.Elementwise;
import jprune.tensor.Shape;
import jprune.tensor.Tensor;

/**
 * A tensor in a define-by-run autograd graph. Operations (the static methods of this package's op classes) return Variables that
 * remember their parents and how to push a gradient back to them; {@link #backward()} runs those
 * steps in reverse topological order. Leaves that require gradients (parameters) accumulate
 * gradients across calls until {@link #zeroGrad()}; intermediate gradients are freed after use.
 */
public class Variable {
    /** Pushes the gradient of this node's output to its parents (accumulating into them). */
    @FunctionalInterface
    public interface Backward {
        void apply(Tensor gradOutput);
    }

    private Tensor value;
    private Tensor grad;
    private final boolean requiresGrad;
    private Variable[] parents;
    private Backward backwardFn;
    private final String op;
    private List<Consumer<Tensor>> gradHooks;

    protected Variable(Tensor value, boolean requiresGrad, String op, Variable[] parents, Backward fn) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.op = op;
        this.parents = parents;
        this.backwardFn = fn;
    }

    /** A leaf that takes no gradient (inputs, targets). */
    public static Variable constant(Tensor value) {
        return new Variable(value, false, "constant", null, null);
    }

    /** A leaf, optionally accumulating a gradient. */
    public static Variable leaf(Tensor value, boolean requiresGrad) {
        return new Variable(value, requiresGrad, "leaf", null, null);
    }

    /**
     * The result of an operation. Records the graph edge only when grad mode is on and some
     * parent requires a gradient; otherwise the result is a constant.
     */
    public static Variable result(String op, Tensor value, Backward fn, Variable... parents) {
        if (!GradMode.isEnabled()) return new Variable(value, false, op, null, null);
        for (Variable p : parents) {
            if (p != null && p.requiresGrad) return new Variable(value, true, op, parents, fn);
        }
        return new Variable(value, false, op, null, null);
    }

    public Tensor value() {
        return value;
    }

    /** Replaces the value of a leaf (used by optimizers and checkpoint loading); shapes must match. */
    public void setValue(Tensor v) {
        if (!v.sameShape(value))
            throw new IllegalArgumentException("new value has shape " + Shape.str(v.shape()) + ", expected " + Shape.str(value.shape()));
        this.value = v;
    }

    /** The accumulated gradient, or null if none has reached this variable. */
    public Tensor grad() {
        return grad;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    public String op() {
        return op;
    }

    public int[] shape() {
        return value.shape();
    }

    public int size(int dim) {
        return value.size(dim);
    }

    public int dim() {
        return value.dim();
    }

    public int numel() {
        return value.numel();
    }

    /** A constant sharing this variable's value, cut off from the graph. */
    public Variable detach() {
        return constant(value);
    }

    public void zeroGrad() {
        grad = null;
    }

    /** Registers a hook that sees this variable's complete gradient during backward. */
    public void registerGradHook(Consumer<Tensor> hook) {
        if (gradHooks == null) gradHooks = new ArrayList<>(1);
        gradHooks.add(hook);
    }

    /** Adds g into this variable's gradient; g is copied if it becomes the gradient. */
    public void accumulateGrad(Tensor g) {
        if (!requiresGrad) return;
        checkGradShape(g);
        if (grad == null) grad = g.copy();
        else Elementwise.binary(Elementwise.Op.ADD, grad.data(), 0, g.data(), 0, grad.data(), 0, g.numel());
    }

    /** Like {@link #accumulateGrad} but takes ownership of g (the caller must not keep it). */
    public void accumulateGradOwned(Tensor g) {
        if (!requiresGrad) return;
        checkGradShape(g);
        if (grad == null) grad = g;
        else Elementwise.binary(Elementwise.Op.ADD, grad.data(), 0, g.data(), 0, grad.data(), 0, g.numel());
    }

    /** The gradient array, allocated as zeros when absent, for kernels that accumulate into it. */
    public float[] gradBuffer() {
        if (grad == null) grad = Tensor.zeros(value.shape());
        return grad.data();
    }

    private void checkGradShape(Tensor g) {
        if (!g.sameShape(value))
            throw new IllegalStateException("gradient of shape " + Shape.str(g.shape()) + " for " + op + " output of shape " + Shape.str(value.shape()));
    }

    /** Backpropagates from a scalar (the loss). */
    public void backward() {
        if (value.numel() != 1)
            throw new IllegalStateException("backward() needs a scalar; this has shape " + Shape.str(value.shape()) + ", pass a gradient");
        backward(Tensor.full(1f, value.shape()));
    }

    /** Backpropagates the given gradient of this variable through the graph. */
    public void backward(Tensor seed) {
        if (!requiresGrad) throw new IllegalStateException("backward() on a variable that does not require grad (op " + op + ")");
        accumulateGrad(seed);
        List<Variable> order = topologicalOrder();
        for (int i = order.size() - 1; i >= 0; i--) {
            Variable v = order.get(i);
            if (v.grad == null) continue;
            if (v.gradHooks != null) for (Consumer<Tensor> h : v.gradHooks) h.accept(v.grad);
            if (v.backwardFn != null) {
                v.backwardFn.apply(v.grad);
                // The graph is used once: free intermediate gradients and saved inputs.
                v.backwardFn = null;
                v.parents = null;
                v.grad = null;
            }
        }
    }

    /** Nodes reachable from this one that need gradients, parents before children. */
    private List<Variable> topologicalOrder() {
        List<Variable> order = new ArrayList<>();
        IdentityHashMap<Variable, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Variable> stack = new ArrayDeque<>();
        ArrayDeque<Integer> next = new ArrayDeque<>();
        stack.push(this);
        next.push(0);
        visited.put(this, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Variable v = stack.peek();
            int i = next.pop();
            Variable[] ps = v.parents;
            if (ps != null && i < ps.length) {
                next.push(i + 1);
                Variable p = ps[i];
                if (p != null && p.requiresGrad && visited.put(p, Boolean.TRUE) == null) {
                    stack.push(p);
                    next.push(0);
                }
            } else {
                stack.pop();
                order.add(v);
            }
        }
        return order;
    }

    @Override
    public String toString() {
        return "Variable(" + op + ", " + Arrays.toString(value.shape()) + (requiresGrad ? ", requires_grad" : "") + ")";
    }
}
