package jprune.bench;

import java.nio.file.Path;
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
import jprune.prune.Scope;
import jprune.tensor.Parallel;

/**
 * Seconds per epoch of lenet-300-100 training, dense and with 90% of its weights masked, alternating
 * runs in one JVM; prints the mean of epochs 2 and later (epoch 1 pays for JIT compilation).
 * Run: java --add-modules jdk.incubator.vector -XX:+UseParallelGC -cp bench/target/jprune-bench.jar jprune.bench.MaskedTrainingOverhead [rounds]
 */
public final class MaskedTrainingOverhead {
    private MaskedTrainingOverhead() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        Parallel.setThreads(2);
        Path dir = FashionMnist.locate(null);
        DataSplit train = FashionMnist.load(dir, true), test = FashionMnist.load(dir, false);
        TrainConfig cfg = new TrainConfig(6, 128, 0.01, "sgd", "cosine", 0.9, true, 1e-4, 0, 0, 0, 0, 1);
        double[] sum = new double[2];
        int[] n = new int[2];
        for (int r = 0; r < rounds; r++) {
            for (int masked = 0; masked < 2; masked++) {
                var model = Models.build(Models.defaultConfig("lenet-300-100"), 1);
                if (masked == 1) jprune.prune.Pruner.UNSTRUCTURED.prune(Prunable.weights(model), new MagnitudeCriterion(false), PruneSpec.of(0.9, Scope.GLOBAL));
                var history = new Trainer(model, cfg, train, test, null).fit();
                for (EpochRecord e : history.subList(1, history.size())) {
                    sum[masked] += e.seconds();
                    n[masked]++;
                }
            }
        }
        double dense = sum[0] / n[0], masked = sum[1] / n[1];
        System.out.printf(Locale.ROOT, "dense %.3f s/epoch, masked (90%%) %.3f s/epoch, overhead %+.1f%%%n", dense, masked, 100 * (masked / dense - 1));
    }
}
