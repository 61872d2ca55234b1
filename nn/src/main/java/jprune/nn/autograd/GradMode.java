package jprune.nn.autograd;

/**
 * Whether operations on the current thread record a graph for backpropagation. Inference and
 * evaluation run inside {@code try (var g = GradMode.noGrad()) { ... }}, which records nothing.
 */
public final class GradMode {
    private static final ThreadLocal<int[]> DISABLED_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private GradMode() {}

    public static boolean isEnabled() {
        return DISABLED_DEPTH.get()[0] == 0;
    }

    /** Disables graph recording until the returned scope is closed; scopes nest. */
    public static Scope noGrad() {
        int[] depth = DISABLED_DEPTH.get();
        depth[0]++;
        return () -> depth[0]--;
    }

    /** A gradient-mode scope; closing it restores the previous mode. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
