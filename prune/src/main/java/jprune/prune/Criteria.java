package jprune.prune;

import java.util.List;

/** Criteria by the names flags and recipes use, so a caller need not know the classes. */
public final class Criteria {
    /** Every accepted name. */
    public static final List<String> NAMES = List.of("magnitude", "magnitude-l2", "random", "taylor", "obd", "obd-fisher", "obd-hutchinson", "movement",
            "gate", "block-influence", "skip-loss");
    /** Criteria that score whole groups only, so they need a structured granularity (blocks for the last two). */
    public static final List<String> GROUP_ONLY = List.of("gate", "block-influence", "skip-loss");

    private Criteria() {}

    /**
     * The criterion with this name; {@code seed} feeds the ones that draw random numbers (random).
     * An unknown name fails naming the allowed ones.
     */
    public static Criterion byName(String name, long seed) {
        return switch (name == null ? "" : name) {
            case "magnitude" -> new MagnitudeCriterion(false);
            case "magnitude-l2" -> new MagnitudeCriterion(true);
            case "random" -> new RandomCriterion(seed);
            case "taylor" -> new TaylorCriterion();
            case "obd" -> new ObdCriterion(ObdCriterion.Curvature.GAUSS_NEWTON);
            case "obd-fisher" -> new ObdCriterion(ObdCriterion.Curvature.EMPIRICAL_FISHER);
            case "obd-hutchinson" -> new ObdCriterion(ObdCriterion.Curvature.HUTCHINSON);
            case "movement" -> new MovementCriterion();
            case "gate", "block-influence", "skip-loss" -> throw new IllegalArgumentException("criterion '" + name
                    + "' scores whole groups; use it with granularity heads, mlp-neurons, blocks or channels");
            default -> throw new IllegalArgumentException("criterion must be one of " + NAMES + ", got '" + name + "'");
        };
    }

    /**
     * The criterion for structured pruning by this structure: taylor becomes the group Taylor
     * estimate (Σ w·g over the group, squared), gate the gradient of a gate on the group's output,
     * block-influence and skip-loss score blocks; the weight criteria are averaged over each group's
     * own weights by {@link GroupPruner}. A criterion the structure cannot use fails naming the
     * flag's allowed values.
     */
    public static Criterion forStructure(String name, Structure structure, long seed) {
        checkFits(name, structure);
        return switch (name == null ? "" : name) {
            case "taylor" -> new GroupGradientCriterion(GroupGradientCriterion.Kind.TAYLOR, structure);
            case "gate" -> new GroupGradientCriterion(GroupGradientCriterion.Kind.GATE, structure);
            case "block-influence", "skip-loss" -> new BlockCriterion(name.equals("skip-loss") ? BlockCriterion.Kind.SKIP_LOSS : BlockCriterion.Kind.INFLUENCE);
            default -> byName(name, seed);
        };
    }

    /**
     * Fails if the criterion cannot score this structure (null: a weight-level granularity):
     * gate, block-influence and skip-loss score groups, the last two whole blocks only, and gate
     * has nothing to gate for a hidden dimension, which every layer writes.
     */
    public static void checkFits(String name, Structure structure) {
        if (GROUP_ONLY.contains(name) && structure == null)
            throw new IllegalArgumentException("criterion '" + name + "' scores whole groups, so it needs a structured granularity ("
                    + String.join(", ", Structure.flags()) + ")");
        if (List.of("block-influence", "skip-loss").contains(name) && structure != Structure.BLOCKS)
            throw new IllegalArgumentException("criterion '" + name + "' scores whole blocks, so it needs granularity blocks, got " + structure.flag());
        if ("gate".equals(name) && structure == Structure.HIDDEN)
            throw new IllegalArgumentException("criterion 'gate' gates what a group outputs, and a hidden dimension is written by every layer; "
                    + "use magnitude, magnitude-l2 or taylor for granularity hidden");
    }

    /** Whether the criterion scores weights during fine-tuning, so it only works on the gradual (agp) schedule. */
    public static boolean needsGradualSchedule(String name) {
        return "movement".equals(name);
    }
}
