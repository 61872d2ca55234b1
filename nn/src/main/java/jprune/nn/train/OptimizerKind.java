package jprune.nn.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The optimizers a {@link TrainConfig} can name, with the lower-case names flags and recipes use. */
public enum OptimizerKind {
    /** Stochastic gradient descent with (optionally Nesterov) momentum and decoupled weight decay. */
    SGD,
    /** Adam with decoupled weight decay. */
    ADAMW;

    /** The name used on the command line, in recipes and in metrics.json. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every accepted name, in declaration order. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (OptimizerKind k : values()) out.add(k.id());
        return List.copyOf(out);
    }

    /** The optimizer with this lower-case name; the error lists the allowed names. */
    public static OptimizerKind parse(String name) {
        for (OptimizerKind k : values()) if (k.id().equals(name)) return k;
        throw new IllegalArgumentException("optimizer must be one of " + names() + ", got '" + name + "'");
    }

    @Override
    public String toString() {
        return id();
    }
}
