package jprune.lm.structured;

import java.util.List;
import jprune.prune.Structure;

/** How {@code lm prune --granularity ...} scores groups (higher = keep), by the name --criterion takes. */
public enum LmCriterion {
    /** Mean |w| over the group's own weight slices (not the output projection's). */
    MAGNITUDE("magnitude"),
    /** Mean w² over the same slices. */
    MAGNITUDE_L2("magnitude-l2"),
    /** (Σ w·∂L/∂w over all of the group's slices)², per calibration batch, averaged. */
    TAYLOR("taylor"),
    /** |Σ w·∂L/∂w over the group's output slices| per calibration batch, averaged (Michel et al.'s head gate). */
    GATE("gate"),
    /** 1 − cosine between a block's input and output hidden states, averaged over calibration tokens (ShortGPT). */
    BLOCK_INFLUENCE("block-influence"),
    /** Calibration loss with the block skipped minus the loss of the whole model. */
    SKIP_LOSS("skip-loss");

    private final String flag;

    LmCriterion(String flag) {
        this.flag = flag;
    }

    public String flag() {
        return flag;
    }

    /** The criteria that apply to a structure. */
    public static List<LmCriterion> forStructure(Structure s) {
        return switch (s) {
            case BLOCKS -> List.of(values());
            // A hidden dimension has no output of its own to gate: its writers add into the stream every block reads.
            case HIDDEN -> List.of(MAGNITUDE, MAGNITUDE_L2, TAYLOR);
            default -> List.of(MAGNITUDE, MAGNITUDE_L2, TAYLOR, GATE);
        };
    }

    /** The criterion called name, if it applies to the structure; otherwise an error naming --criterion and the allowed values. */
    public static LmCriterion parse(String name, Structure s) {
        List<String> allowed = forStructure(s).stream().map(LmCriterion::flag).toList();
        for (LmCriterion c : values()) {
            if (!c.flag.equals(name)) continue;
            if (!forStructure(s).contains(c))
                throw new IllegalArgumentException("--criterion " + name + (c == GATE ? " scores the gate on a head's, neuron's or block's output, which a hidden dimension lacks"
                        : " scores whole blocks") + "; with --granularity " + s.flag() + " use one of " + String.join(", ", allowed));
            return c;
        }
        throw new IllegalArgumentException("--criterion must be one of " + String.join(", ", allowed) + " for --granularity " + s.flag() + ", got '" + name + "'");
    }

    /** The default for a structure: block influence for blocks, magnitude otherwise. */
    public static LmCriterion defaultFor(Structure s) {
        return s == Structure.BLOCKS ? BLOCK_INFLUENCE : MAGNITUDE;
    }

    /** Whether it needs calibration text. */
    public boolean needsCalibration() {
        return this != MAGNITUDE && this != MAGNITUDE_L2;
    }

    @Override
    public String toString() {
        return flag;
    }
}
