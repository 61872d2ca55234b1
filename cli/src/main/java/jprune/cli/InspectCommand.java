package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.nn.io.ModelCheckpoint;
import jprune.prune.SparsityStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jprune inspect}: per-layer shapes, non-zeros and sparsity of a saved model. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print a saved model's prunable layers: shape, non-zeros, sparsity and fp32 size.",
                "With --out DIR also writes DIR/metrics.json and DIR/report.html (per-layer charts, weight histogram)."})
final class InspectCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "DIR", description = "Run directory holding model.safetensors (or the file itself).")
    Path from;

    @Option(names = "--out", paramLabel = "DIR", description = "Write DIR/metrics.json and DIR/report.html.")
    Path out;

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
        if (out != null) {
            Files.createDirectories(out);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", loaded.config().name());
            m.put("checkpoint", file.toString());
            m.put("file_bytes", Files.size(file));
            m.put("params_total", loaded.model().parameterCount());
            m.put("prunable_total", s.total());
            m.put("prunable_nonzero", s.nonzero());
            m.put("sparsity", s.sparsity());
            m.put("layers", s.layerMaps());
            AtomicFiles.writeString(out.resolve("metrics.json"), Json.write(m, true));
            InspectReport.write(out.resolve("report.html"), m, PruneReport.weights(loaded.model()));
            System.out.println("wrote " + out.resolve("metrics.json") + " and " + out.resolve("report.html"));
        }
        return 0;
    }
}
