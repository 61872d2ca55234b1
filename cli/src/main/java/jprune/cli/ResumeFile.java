package jprune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import jprune.nn.io.Json;

/** The metrics.json a --resume continues from: read with its path in every message, and held to the run's settings. */
final class ResumeFile {
    private ResumeFile() {}

    static Map<String, Object> read(Path metricsFile) throws IOException {
        try {
            return Json.parseObject(Files.readString(metricsFile));
        } catch (RuntimeException e) {
            throw new UsageException("--resume: " + metricsFile + " is not a readable metrics.json (" + Main.oneLine(e) + "); choose another --out");
        }
    }

    /**
     * A run continues only with the settings it was started with: results measured under other
     * settings would be mixed into one table without a word.
     */
    static void requireSame(Path metricsFile, Map<String, Object> recorded, Map<String, Object> settings) {
        for (Map.Entry<String, Object> e : settings.entrySet()) {
            // A file from an older jprune may not record every setting; those it has must agree.
            if (!recorded.containsKey(e.getKey())) continue;
            Object was = recorded.get(e.getKey()), now = e.getValue();
            boolean same = was instanceof Number a && now instanceof Number b ? a.doubleValue() == b.doubleValue() : String.valueOf(was).equals(String.valueOf(now));
            if (!same)
                throw new UsageException("--resume: " + metricsFile + " was written with " + e.getKey() + " " + was + ", this run has " + now
                        + "; resume with the run's own flags, or choose another --out");
        }
    }
}
