package jprune.deploy.format;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * N:M semi-structured sparsity packed along the input dimension: each row is cut into groups of M
 * consecutive columns (the last one shorter when M does not divide cols) and each group stores
 * exactly min(N, its length) slots: a value (fp32 or per-row int8, {@link Int8Rows}) and its
 * position inside the group, one byte each (a byte keeps the vector decode to a single widening
 * load; 4-bit positions would save 1/10 of the fp32 bytes). Positions are strictly increasing within
 * a group. A group with fewer than N nonzeros stores explicit zeros, at the lowest free positions
 * when built from a dense array, so every row has the same number of slots and starts at
 * row × slotsPerRow. 1 ≤ N < M ≤ 16.
 */
public final class NmMatrix implements WeightMatrix {
    private final int rows, cols, n, m, slotsPerRow;
    private final float[] values;
    private final byte[] quantized;
    private final float[] scales;
    private final byte[] positions;

    private NmMatrix(int rows, int cols, int n, int m, float[] values, byte[] quantized, float[] scales, byte[] positions) {
        this.rows = rows;
        this.cols = cols;
        this.n = n;
        this.m = m;
        this.slotsPerRow = (int) slotsPerRow(n, m, cols);
        this.values = values;
        this.quantized = quantized;
        this.scales = scales;
        this.positions = positions;
    }

    /** Slots a row of cols columns stores: N per full group, min(N, length) in a shorter last one. */
    public static long slotsPerRow(int n, int m, int cols) {
        long full = cols / m, last = cols % m;
        return full * n + Math.min(n, last);
    }

    static void checkNm(int n, int m) {
        if (n < 1 || n >= m || m > 16)
            throw new IllegalArgumentException("N:M sparsity needs 1 <= N < M <= 16, got " + n + ":" + m);
    }

    /** fp32 N:M packing of a dense row-major array; rejects a group holding more than N nonzeros. */
    public static NmMatrix of(float[] dense, int rows, int cols, int n, int m) {
        return build(dense, rows, cols, n, m, false);
    }

    /** Int8 N:M packing: the slots the fp32 packing keeps, quantized per row. */
    public static NmMatrix int8(float[] dense, int rows, int cols, int n, int m) {
        return build(dense, rows, cols, n, m, true);
    }

    private static NmMatrix build(float[] dense, int rows, int cols, int n, int m, boolean int8) {
        checkNm(n, m);
        FormatChecks.dense(dense, rows, cols);
        int spr = (int) slotsPerRow(n, m, cols);
        int total = rows * spr;
        float[] s = int8 ? Int8Rows.scales(dense, rows, cols) : null;
        float[] v = int8 ? null : new float[total];
        byte[] q = int8 ? new byte[total] : null;
        byte[] pos = new byte[total];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols; g += m) {
                int len = Math.min(m, cols - g), base = r * cols + g, nonzeros = 0;
                for (int j = 0; j < len; j++) if (dense[base + j] != 0) nonzeros++;
                if (nonzeros > n)
                    throw new IllegalArgumentException("matrix is not " + n + ":" + m + " sparse: row " + r + ", columns "
                            + g + ".." + (g + len - 1) + " hold " + nonzeros + " nonzeros, at most " + n + " allowed");
                int zerosToKeep = Math.min(n, len) - nonzeros;
                for (int j = 0; j < len; j++) {
                    float w = dense[base + j];
                    if (w == 0) {
                        if (zerosToKeep == 0) continue;
                        zerosToKeep--;
                    }
                    pos[k] = (byte) j;
                    if (int8) q[k] = Int8Rows.quantize(w, s[r]);
                    else v[k] = w;
                    k++;
                }
            }
        }
        return new NmMatrix(rows, cols, n, m, v, q, s, pos);
    }

    /** From raw fp32 slot values and in-group positions (both copied after validation). */
    public static NmMatrix fromArrays(int rows, int cols, int n, int m, float[] values, byte[] positions) {
        Objects.requireNonNull(values, "values");
        check(rows, cols, n, m, values.length, positions);
        return new NmMatrix(rows, cols, n, m, values.clone(), null, null, positions.clone());
    }

    /** From raw int8 slot values, in-group positions and per-row scales (all copied after validation). */
    public static NmMatrix fromInt8Arrays(int rows, int cols, int n, int m, byte[] quantized, byte[] positions, float[] scales) {
        Int8Rows.checkQuantized(quantized);
        Int8Rows.checkScales(scales, rows);
        check(rows, cols, n, m, quantized.length, positions);
        return new NmMatrix(rows, cols, n, m, null, quantized.clone(), scales.clone(), positions.clone());
    }

    private static void check(int rows, int cols, int n, int m, int valueCount, byte[] positions) {
        checkNm(n, m);
        FormatChecks.dims(rows, cols);
        Objects.requireNonNull(positions, "positions");
        long total = (long) rows * slotsPerRow(n, m, cols);
        FormatChecks.length("values", valueCount, total);
        FormatChecks.length("positions", positions.length, total);
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols; g += m) {
                int len = Math.min(m, cols - g), prev = -1;
                for (int j = 0, slots = Math.min(n, len); j < slots; j++, k++) {
                    int p = positions[k];
                    if (p < 0 || p >= len)
                        throw new IllegalArgumentException("position " + p + " at slot " + k + " (row " + r + ", group at column "
                                + g + ") is outside [0, " + len + ")");
                    if (p <= prev)
                        throw new IllegalArgumentException("positions in the group of row " + r + " at column " + g
                                + " must be strictly increasing, got " + prev + " then " + p);
                    prev = p;
                }
            }
        }
    }

    public boolean isInt8() {
        return quantized != null;
    }

    public int n() {
        return n;
    }

    public int m() {
        return m;
    }

    /** Slots per row; slot s of row r is at r × slotsPerRow() + s. */
    public int slotsPerRow() {
        return slotsPerRow;
    }

    /** A copy of the in-group positions, one byte per slot. */
    public byte[] positions() {
        return positions.clone();
    }

    /** A copy of the fp32 slot values. */
    public float[] values() {
        if (values == null) throw new IllegalStateException("an int8 matrix has no fp32 values: use quantized() and scales()");
        return values.clone();
    }

    /** A copy of the int8 slot values. */
    public byte[] quantized() {
        if (quantized == null) throw new IllegalStateException("an fp32 matrix has no int8 weights: use values()");
        return quantized.clone();
    }

    /** A copy of the per-row scales of an int8 matrix. */
    public float[] scales() {
        if (scales == null) throw new IllegalStateException("an fp32 matrix has no scales: use values()");
        return scales.clone();
    }

    @Override
    public String format() {
        return n + ":" + m + (isInt8() ? "-int8" : "");
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public long nonzeros() {
        return (long) rows * slotsPerRow;
    }

    @Override
    public long bytes() {
        long slots = (long) rows * slotsPerRow;
        return slots + (isInt8() ? slots + 4L * rows : 4 * slots);
    }

    @Override
    public void multiplyVector(float[] x, float[] y) {
        FormatChecks.product(this, x, 1, y);
        RowChunks.uniform(rows, (long) rows * slotsPerRow, (from, to) -> {
            if (isInt8()) NmKernels.gemvInt8(quantized, scales, positions, n, m, cols, slotsPerRow, x, y, from, to);
            else NmKernels.gemv(values, positions, n, m, cols, slotsPerRow, x, y, from, to);
        });
    }

    @Override
    public void multiplyBatch(float[] x, int batch, float[] y) {
        FormatChecks.product(this, x, batch, y);
        if (batch == 1) {
            multiplyVector(x, y);
            return;
        }
        MemorySegment xa = SparseRowKernels.aligned(x, cols * batch);
        RowChunks.uniform(rows, (long) rows * slotsPerRow * batch, (from, to) ->
                NmKernels.gemm(values, quantized, scales, positions, n, m, cols, slotsPerRow, xa, batch, y, from, to));
    }

    @Override
    public float[] toDense() {
        float[] d = new float[FormatChecks.denseSize(rows, cols)];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols; g += m) {
                for (int j = 0, slots = Math.min(n, cols - g); j < slots; j++, k++) {
                    d[r * cols + g + positions[k]] = isInt8() ? Int8Rows.dequantize(quantized[k], scales[r]) : values[k];
                }
            }
        }
        return d;
    }

    float[] valuesView() {
        return values;
    }

    byte[] quantizedView() {
        return quantized;
    }

    float[] scalesView() {
        return scales;
    }

    byte[] positionsView() {
        return positions;
    }

    @Override
    public String toString() {
        return format() + " " + FormatChecks.shape(rows, cols);
    }
}
