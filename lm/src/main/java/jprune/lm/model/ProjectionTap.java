package jprune.lm.model;

/**
 * Sees the input of every projection a forward pass applies, just before it is applied: how
 * calibration statistics (activation norms, Hessians) are gathered without a second model.
 */
@FunctionalInterface
public interface ProjectionTap {
    /** A tap that does nothing. */
    ProjectionTap NONE = (p, x, tokens) -> {};

    /** x holds tokens rows of p.in() values; it must not be modified. */
    void input(Projection p, float[] x, int tokens);
}
