package jprune.prune;

/** How a sparsity target is spread over layers. */
public enum Scope {
    /** Every layer reaches the target (or its override) on its own. */
    LAYER,
    /** One ranking across all layers: the least important weights anywhere go first. */
    GLOBAL;

    public static Scope parse(String s) {
        if (s == null) throw new IllegalArgumentException("scope must be 'layer' or 'global', got null");
        return switch (s) {
            case "layer" -> LAYER;
            case "global" -> GLOBAL;
            default -> throw new IllegalArgumentException("scope must be 'layer' or 'global', got '" + s + "'");
        };
    }
}
