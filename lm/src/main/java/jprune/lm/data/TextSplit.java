package jprune.lm.data;

import java.util.Locale;

/**
 * The three parts a corpus is divided into. The Brown corpus is split by file: the file at
 * (0-based, sorted) index i goes to test when i % 10 == 9, to validation when i % 10 == 8, and to
 * train otherwise, so every genre contributes to every split in proportion.
 */
public enum TextSplit {
    TRAIN("train"),
    VALIDATION("validation"),
    TEST("test");

    private final String label;

    TextSplit(String label) {
        this.label = label;
    }

    /** The lower-case name used in file names, flags and metrics: train, validation, test. */
    public String label() {
        return label;
    }

    /** The split of the file at this 0-based position in the sorted file list. */
    public static TextSplit ofFileIndex(int index) {
        if (index < 0) throw new IllegalArgumentException("file index must be >= 0, got " + index);
        return switch (index % 10) {
            case 9 -> TEST;
            case 8 -> VALIDATION;
            default -> TRAIN;
        };
    }

    /** Parses train, validation (or valid, val) or test, ignoring case. */
    public static TextSplit parse(String name) {
        if (name != null) {
            switch (name.trim().toLowerCase(Locale.ROOT)) {
                case "train" -> { return TRAIN; }
                case "validation", "valid", "val" -> { return VALIDATION; }
                case "test" -> { return TEST; }
                default -> { }
            }
        }
        throw new IllegalArgumentException("unknown split '" + name + "'; allowed: train, validation, test");
    }
}
