package jprune.cli;

import java.io.IOException;
import java.nio.file.Path;
import jprune.nn.data.DataSplit;
import jprune.nn.data.FashionMnist;

/** Loads the data set a command asked for; only Fashion-MNIST for now. */
final class Data {
    static final String FASHION_MNIST = "fashion-mnist";

    private Data() {}

    record Splits(DataSplit train, DataSplit test, Path dir) {}

    static void checkName(String dataset) {
        if (!FASHION_MNIST.equals(dataset))
            throw new UsageException("--dataset must be '" + FASHION_MNIST + "', got '" + dataset + "'");
    }

    /** The train and test splits, each cut to its first limit images when the limit is positive. */
    static Splits load(Path explicitDir, int trainLimit, int testLimit) throws IOException {
        Path dir = FashionMnist.locate(explicitDir);
        DataSplit train = FashionMnist.load(dir, true);
        DataSplit test = FashionMnist.load(dir, false);
        if (trainLimit > 0 && trainLimit < train.count()) train = train.subset(0, trainLimit);
        if (testLimit > 0 && testLimit < test.count()) test = test.subset(0, testLimit);
        return new Splits(train, test, dir);
    }
}
