package jprune.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What the processor is, for the few kernels whose fastest form differs between processor makers
 * (read once from Linux's /proc/cpuinfo; elsewhere, or if it cannot be read, "unknown"). Such a
 * choice only ever changes speed: every alternative a kernel picks between computes bit-identical
 * results.
 */
public final class Cpu {
    private Cpu() {}

    private static final List<String> CPUINFO = read();

    /** The vendor id, e.g. "GenuineIntel" or "AuthenticAMD"; "unknown" if not known. */
    public static final String VENDOR = field(CPUINFO, "vendor_id");

    /** The model name, e.g. "AMD EPYC" or "Intel(R) Xeon(R) Platinum 8488C"; "unknown" if not known. */
    public static final String MODEL = field(CPUINFO, "model name");

    public static boolean isIntel() {
        return VENDOR.equals("GenuineIntel");
    }

    private static List<String> read() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The first value of a "name : value" line (the first processor's), or "unknown". */
    static String field(List<String> cpuinfo, String name) {
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                String value = line.substring(colon + 1).trim();
                return value.isEmpty() ? "unknown" : value;
            }
        }
        return "unknown";
    }
}
