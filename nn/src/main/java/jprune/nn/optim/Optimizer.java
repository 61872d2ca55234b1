package jprune.nn.optim;

import java.util.List;
import jprune.nn.Parameter;

/**
 * Updates parameters from their gradients. Masked parameters stay masked: the gradient is masked
 * before every update and the value re-masked after it. Optimizer state (momentum, moments) is
 * masked when the mask changes; afterwards it stays zero at masked entries by itself, since every
 * update there adds a masked (zero) gradient to a zero state, so masking it on every step would only
 * cost time (two passes over every weight per step).
 *
 * <p>A parameter is updated in chunks of {@link #CHUNK} entries, each masked, updated and re-masked
 * before the next, so the three passes of a masked parameter read its arrays from the first-level
 * cache instead of three times from memory. Every entry gets the same operations as in three whole
 * passes, so the bits are the same.
 */
public abstract class Optimizer {
    protected final List<Parameter> params;
    private double lr;
    /** Each parameter's mask version when its state was last masked. */
    private final int[] maskedAtVersion;

    protected Optimizer(List<Parameter> params, double lr) {
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        this.params = List.copyOf(params);
        this.lr = lr;
        this.maskedAtVersion = new int[this.params.size()];
    }

    public double lr() {
        return lr;
    }

    /** Sets the learning rate (schedules call this before each step). */
    public void setLr(double lr) {
        this.lr = lr;
    }

    /**
     * Entries of a parameter masked, updated and re-masked together: the arrays a chunk touches (value,
     * gradient, mask and up to two of state, 4 KiB each) fit a first-level cache.
     */
    static final int CHUNK = 1024;

    /** One update of every parameter that has a gradient. */
    public final void step() {
        float rate = (float) lr;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (p.grad() == null) continue;
            float[] w = p.value().data(), g = p.grad().data(), mask = p.hasMask() ? p.mask().data() : null;
            begin(i, w.length, rate);
            for (int from = 0; from < w.length; from += CHUNK) {
                int to = Math.min(w.length, from + CHUNK);
                if (mask != null) maskRange(g, mask, from, to);
                update(i, w, g, rate, from, to);
                if (mask != null) maskRange(w, mask, from, to);
            }
            if (mask != null && p.maskVersion() != maskedAtVersion[i]) {
                maskState(i, p);
                maskedAtVersion[i] = p.maskVersion();
            }
        }
    }

    /** a ⊙ m on [from, to), as {@link Parameter#applyMask} does it (masked entries become +0.0). */
    private static void maskRange(float[] a, float[] m, int from, int to) {
        for (int i = from; i < to; i++) a[i] = a[i] * m[i] + 0f;
    }

    /** Called once per step before parameter i's chunks ({@code n} entries): state to allocate, per-step constants. */
    protected abstract void begin(int index, int n, float lr);

    /** Updates entries [from, to) of parameter i in place: w is its value, g its (already masked) gradient. */
    protected abstract void update(int index, float[] w, float[] g, float lr, int from, int to);

    /** Zeroes parameter i's per-entry state at its masked entries (called after an update when the mask has changed). */
    protected abstract void maskState(int index, Parameter p);

    public final void zeroGrad() {
        for (Parameter p : params) p.zeroGrad();
    }
}
