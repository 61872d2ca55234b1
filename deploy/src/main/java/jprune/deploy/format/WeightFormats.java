package jprune.deploy.format;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Format names to formats: encodes a dense weight matrix in the format a name asks for. Names are
 * "dense", "csr", "bitmask", "sell" (sliced ELL, {@link SlicedEllMatrix}), "N:M" (e.g. "2:4", 1 ≤ N < M ≤ 16) and "blockRxC" (e.g. "block4x4",
 * sides 1 to {@value BlockSparseMatrix#MAX_BLOCK}); an "-int8" suffix on the name is accepted as
 * another way to ask for int8 values.
 */
public final class WeightFormats {
    private WeightFormats() {}

    /** What {@link #encode} accepts, for messages and help texts. */
    public static final String ALLOWED = "dense, csr, bitmask, sell, N:M (e.g. 2:4, 1 <= N < M <= 16), blockRxC (e.g. block4x4)";

    private static final Pattern NM = Pattern.compile("(\\d{1,2}):(\\d{1,2})");
    private static final Pattern BLOCK = Pattern.compile("block(\\d{1,3})x(\\d{1,3})");

    /**
     * How many long CSR rows the matrix-vector product takes side by side on this machine (1 or 8;
     * by processor maker, or the {@code jprune.csr.lockstep} property): for benchmark reports.
     */
    public static int csrLockstep() {
        return CsrKernels.LONG_ROWS_LOCKSTEP;
    }

    /**
     * W (dense row-major rows × cols) in the named format, fp32 or per-row int8.
     *
     * @throws IllegalArgumentException for an unknown name (the message lists the allowed ones) or a
     *     matrix the format cannot hold (e.g. not N:M sparse)
     */
    public static WeightMatrix encode(String format, float[] dense, int rows, int cols, boolean int8) {
        if (format == null) throw new IllegalArgumentException("no weight format given; allowed: " + ALLOWED);
        String name = format.trim().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith("-int8")) {
            name = name.substring(0, name.length() - "-int8".length());
            int8 = true;
        }
        switch (name) {
            case "dense":
                return int8 ? DenseMatrix.int8(dense, rows, cols) : DenseMatrix.of(dense, rows, cols);
            case "csr":
                return int8 ? CsrMatrix.int8(dense, rows, cols) : CsrMatrix.of(dense, rows, cols);
            case "bitmask":
                return int8 ? BitmaskMatrix.int8(dense, rows, cols) : BitmaskMatrix.of(dense, rows, cols);
            case "sell":
                return int8 ? SlicedEllMatrix.int8(dense, rows, cols) : SlicedEllMatrix.of(dense, rows, cols);
            default:
                break;
        }
        Matcher nm = NM.matcher(name);
        if (nm.matches()) {
            int n = Integer.parseInt(nm.group(1)), m = Integer.parseInt(nm.group(2));
            return int8 ? NmMatrix.int8(dense, rows, cols, n, m) : NmMatrix.of(dense, rows, cols, n, m);
        }
        Matcher block = BLOCK.matcher(name);
        if (block.matches()) {
            int r = Integer.parseInt(block.group(1)), c = Integer.parseInt(block.group(2));
            return int8 ? BlockSparseMatrix.int8(dense, rows, cols, r, c) : BlockSparseMatrix.of(dense, rows, cols, r, c);
        }
        throw new IllegalArgumentException("unknown weight format '" + format + "'; allowed: " + ALLOWED);
    }
}
