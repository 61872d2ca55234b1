package jprune.nn.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The learning-rate schedules a {@link TrainConfig} can name, with the lower-case names flags and recipes use. */
public enum LrScheduleKind {
    /** A constant rate. */
    NONE,
    /** Cosine decay from the base rate to zero over the run. */
    COSINE,
    /** Divide by 10 every third of the run. */
    STEP,
    /** Multiply by 0.9 every epoch. */
    EXPONENTIAL;

    /** The name used on the command line, in recipes and in metrics.json. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every accepted name, in declaration order. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (LrScheduleKind k : values()) out.add(k.id());
        return List.copyOf(out);
    }

    /** The schedule with this lower-case name; the error lists the allowed names. */
    public static LrScheduleKind parse(String name) {
        for (LrScheduleKind k : values()) if (k.id().equals(name)) return k;
        throw new IllegalArgumentException("schedule must be one of " + names() + ", got '" + name + "'");
    }

    @Override
    public String toString() {
        return id();
    }
}
