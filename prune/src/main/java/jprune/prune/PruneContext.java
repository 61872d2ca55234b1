package jprune.prune;

import jprune.nn.Module;
import jprune.nn.data.DataSplit;

/** What a criterion may look at while preparing: the model and calibration data. */
public record PruneContext(Module model, DataSplit calibration, int calibrationBatches, int batchSize, long seed) {}
