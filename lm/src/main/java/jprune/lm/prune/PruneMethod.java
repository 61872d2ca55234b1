package jprune.lm.prune;

import java.util.Locale;

/** The one-shot methods, by the name the command line uses. */
public enum PruneMethod {
    /** |W| over the whole layer (the papers' baseline); needs no calibration data. */
    MAGNITUDE,
    /** |W_ij|·‖X_j‖₂ within each output row (Sun et al., 2023). */
    WANDA,
    /** Optimal-brain-surgeon reconstruction column by column with H = 2XXᵀ/n (Frantar and Alistarh, 2023). */
    SPARSEGPT;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the method reads calibration statistics at all. */
    public boolean needsCalibration() {
        return this != MAGNITUDE;
    }

    /** Whether the method needs the Gram matrix of its inputs (not only their norms). */
    public boolean needsGram() {
        return this == SPARSEGPT;
    }

    public static PruneMethod parse(String s) {
        for (PruneMethod m : values()) if (m.cliName().equals(s.trim().toLowerCase(Locale.ROOT))) return m;
        throw new IllegalArgumentException("--method must be one of magnitude, wanda, sparsegpt; got '" + s + "'");
    }
}
