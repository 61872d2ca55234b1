package jprune.nn.infer;

/**
 * A module computing from a sparse weight that a plan runs through the module's own forward (a
 * module fallback), such as a convolution over a compressed weight matrix. While its weight is
 * small enough for the core's caches, the plan keeps its products on the calling thread, as it does
 * for a {@link FlatLayer}'s: splitting them over threads costs more than it saves.
 */
public interface SparseLayer {
    /** The weight's stored nonzeros. */
    long nonzeros();
}
