package jprune.nn;

import jprune.nn.autograd.Variable;
import jprune.tensor.Shape;
import jprune.tensor.Tensor;

/**
 * A trainable tensor of a module. It may carry a 0/1 mask of its own shape: masked entries are
 * exactly zero in the value, and optimizers zero their gradients and state too, so pruned weights
 * stay pruned through training.
 */
public final class Parameter extends Variable {
    /** What a parameter is for; pruning and weight decay treat kinds differently. */
    public enum Kind {
        /** Weights of linear and convolution layers: the prunable kind. */
        WEIGHT,
        BIAS,
        /** Scale (gamma) of a normalisation layer. */
        NORM_SCALE,
        /** Shift (beta) of a normalisation layer. */
        NORM_SHIFT,
        EMBEDDING,
        /** Learned tokens and position embeddings. */
        TOKEN
    }

    private final Kind kind;
    private Tensor mask;
    private int maskVersion;

    public Parameter(Tensor value, Kind kind) {
        super(value, true, "parameter", null, null);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** The mask (1 = kept, 0 = pruned), or null when the parameter is dense. */
    public Tensor mask() {
        return mask;
    }

    public boolean hasMask() {
        return mask != null;
    }

    /** Sets (or with null, removes) the mask and zeroes the masked entries of the value. */
    public void setMask(Tensor m) {
        if (m != null) {
            if (!m.sameShape(value()))
                throw new IllegalArgumentException("mask shape " + Shape.str(m.shape()) + " does not match parameter shape " + Shape.str(value().shape()));
            for (float v : m.data()) {
                if (v != 0f && v != 1f) throw new IllegalArgumentException("mask entries must be 0 or 1, found " + v);
            }
        }
        this.mask = m;
        maskVersion++;
        applyMask();
    }

    /** Counts mask changes, so holders of per-entry state (optimizers) can re-mask it only when the mask changed. */
    public int maskVersion() {
        return maskVersion;
    }

    /** Re-zeroes masked entries of the value (after an update that may have touched them). */
    public void applyMask() {
        if (mask == null) return;
        float[] w = value().data(), m = mask.data();
        maskArray(w, m);
    }

    /** Zeroes masked entries of an array shaped like this parameter (gradients, optimizer state). */
    public void maskInPlace(float[] a) {
        if (mask == null) return;
        maskArray(a, mask.data());
    }

    /**
     * a ⊙ m without branches (a random mask would mispredict them): the + 0 turns the −0.0 that a
     * negative entry times 0 gives into +0.0, so masked entries are exactly +0.0.
     */
    private static void maskArray(float[] a, float[] m) {
        for (int i = 0; i < a.length; i++) a[i] = a[i] * m[i] + 0f;
    }

    /** Number of entries not removed by the mask. */
    public int countUnmasked() {
        if (mask == null) return numel();
        int n = 0;
        for (float v : mask.data()) if (v != 0f) n++;
        return n;
    }
}
