package jprune.prune;

import java.util.List;

/** Criteria by the names flags and recipes use, so a caller need not know the classes. */
public final class Criteria {
    /** Every accepted name. */
    public static final List<String> NAMES = List.of("magnitude", "magnitude-l2", "random", "taylor", "obd", "obd-fisher", "obd-hutchinson", "movement");

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
            default -> throw new IllegalArgumentException("criterion must be one of " + NAMES + ", got '" + name + "'");
        };
    }

    /** Whether the criterion scores weights during fine-tuning, so it only works on the gradual (agp) schedule. */
    public static boolean needsGradualSchedule(String name) {
        return "movement".equals(name);
    }
}
