package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import jprune.nn.io.ModelCheckpoint;
import jprune.prune.SparsityStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jprune inspect}: per-layer shapes, non-zeros and sparsity of a saved model. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print a saved model's prunable layers: shape, non-zeros, sparsity and fp32 size.")
final class InspectCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "DIR", description = "Run directory holding model.safetensors (or the file itself).")
    Path from;

    @Override
    public Integer call() throws Exception {
        Path file = SavedModel.checkpoint(from);
        ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(file);
        SparsityStats s = SparsityStats.of(loaded.model());
        System.out.printf(Locale.ROOT, "%s (%s), %,d parameters, file %,d bytes%n", loaded.config().name(), file, loaded.model().parameterCount(), Files.size(file));
        System.out.printf(Locale.ROOT, "%-32s %-18s %12s %12s %9s %12s%n", "layer", "shape", "params", "nonzero", "sparsity", "fp32 bytes");
        for (SparsityStats.Layer l : s.layers()) {
            System.out.printf(Locale.ROOT, "%-32s %-18s %,12d %,12d %8.2f%% %,12d%n", l.name(), Arrays.toString(l.shape()), l.size(), l.nonzero(),
                    100 * l.sparsity(), 4L * l.size());
        }
        System.out.printf(Locale.ROOT, "%-32s %-18s %,12d %,12d %8.2f%%%n", "all prunable", "", s.total(), s.nonzero(), 100 * s.sparsity());
        return 0;
    }
}
