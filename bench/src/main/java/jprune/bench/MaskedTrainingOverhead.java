package jprune.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import jprune.nn.data.DataSplit;
import jprune.nn.data.FashionMnist;
import jprune.nn.models.Models;
import jprune.nn.train.EpochRecord;
import jprune.nn.train.TrainConfig;
import jprune.nn.train.Trainer;
import jprune.prune.MagnitudeCriterion;
import jprune.prune.Prunable;
import jprune.prune.PruneSpec;
import jprune.prune.Pruner;
import jprune.prune.Scope;
import jprune.tensor.Parallel;

/**
 * Seconds per epoch of lenet-300-100 training, dense and with 90% of its weights masked, and their
 * ratio: the cost of masking. Both models are built once and trained an epoch each first (JIT
 * compilation, heap sizing; thrown away), then in pairs of single epochs, one of each, whose order
 * alternates, so that a warm-up or a burst of load from another process lands on both arms alike.
 * Prints each arm's median seconds per epoch and the median and range of the per-pair ratio.
 *
 * <p>Why: the first version trained dense first and averaged whole runs' epochs 2 and later. The
 * dense arm's second epoch still ran partly unoptimised code (1.8 s against 1.05 s for its third),
 * and masked training came out 19-27% faster than dense on an AMD EPYC machine. Value-dependent
 * slowdowns were ruled out: after training neither arm holds a single subnormal weight or gradient
 * (denormals would slow dense runs, as Java cannot flush them to zero).
 *
 * <p>Run: java --add-modules jdk.incubator.vector -XX:+UseParallelGC -cp bench/target/jprune-bench.jar
 * jprune.bench.MaskedTrainingOverhead [pairs]
 */
public final class MaskedTrainingOverhead {
    private MaskedTrainingOverhead() {}

    public static void main(String[] args) throws Exception {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        Parallel.setThreads(2);
        Path dir = FashionMnist.locate(null);
        DataSplit train = FashionMnist.load(dir, true), test = FashionMnist.load(dir, false).subset(0, 1000);
        TrainConfig cfg = new TrainConfig(1, 128, 0.01, "sgd", "cosine", 0.9, true, 1e-4, 0, 0, 0, 0, 1);
        Trainer dense = trainer(false, cfg, train, test), masked = trainer(true, cfg, train, test);
        epochSeconds(dense);
        epochSeconds(masked);
        double[] d = new double[pairs], m = new double[pairs], ratio = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            boolean maskedFirst = i % 2 == 1;
            if (maskedFirst) m[i] = epochSeconds(masked);
            d[i] = epochSeconds(dense);
            if (!maskedFirst) m[i] = epochSeconds(masked);
            ratio[i] = m[i] / d[i];
            System.out.printf(Locale.ROOT, "pair %d (%s first): dense %.3f s, masked %.3f s, ratio %.3f%n",
                    i + 1, maskedFirst ? "masked" : "dense", d[i], m[i], ratio[i]);
        }
        Arrays.sort(ratio);
        System.out.printf(Locale.ROOT, "dense %.3f s/epoch, masked (90%%) %.3f s/epoch (medians); overhead %+.1f%% "
                        + "(median of %d pairs, range %+.1f%% to %+.1f%%)%n",
                median(d), median(m), 100 * (median(ratio) - 1), pairs, 100 * (ratio[0] - 1), 100 * (ratio[pairs - 1] - 1));
    }

    /** A trainer for one epoch of a fresh lenet-300-100, masked to 90% or not; each fit() trains it one more epoch. */
    private static Trainer trainer(boolean masked, TrainConfig cfg, DataSplit train, DataSplit test) {
        var model = Models.build(Models.defaultConfig("lenet-300-100"), 1);
        if (masked) Pruner.UNSTRUCTURED.prune(Prunable.weights(model), new MagnitudeCriterion(false), PruneSpec.of(0.9, Scope.GLOBAL));
        return new Trainer(model, cfg, train, test, null);
    }

    private static double epochSeconds(Trainer t) {
        EpochRecord e = t.fit().get(0);
        return e.seconds();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
