package jprune.nn.train;

/** One epoch's figures: mean training loss, test accuracy (fraction) and wall seconds. */
public record EpochRecord(int epoch, double loss, double testAccuracy, double seconds) {}
