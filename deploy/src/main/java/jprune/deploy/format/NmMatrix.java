package jprune.deploy.format;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import jprune.tensor.VectorPolicy;

/**
 * N:M semi-structured sparsity packed along the input dimension: each row is cut into groups of M
 * consecutive columns (the last one shorter when M does not divide cols) and each group stores
 * exactly min(N, its length) slots: a value (fp32 or per-row int8, {@link Int8Rows}) and its
 * position inside the group in 4 bits (M ≤ 16). Positions are strictly increasing within a group. A
 * group with fewer than N nonzeros stores explicit zeros, at the lowest free positions when built
 * from a dense array, so every row has the same number of slots and row r's values start at
 * r × slotsPerRow. 1 ≤ N < M ≤ 16.
 *
 * <p>Positions are packed two to a byte, row by row: slot j of row r is in byte
 * r × positionBytesPerRow + j/2, the low nibble for even j, the high one for odd j; a row with an
 * odd slot count ends in a zero nibble. Against one byte per position this saves a tenth of the fp32
 * format's bytes (2:4: 4.5 instead of 5 bytes per kept weight), and batch-1 products are bound by
 * bytes: measured on 4096×4096 2:4, 2 threads, weights from memory, byte positions reached 1.41-1.46×
 * dense's speed (then a one-row-at-a-time dense kernel) against a 1.6× ceiling of bytes; packed, and
 * with both kernels taking four rows in lockstep, 1.55-1.57×. Unpacking costs a byte shuffle and a
 * shift per 16 positions.
 */
public final class NmMatrix extends StoredValues implements RowRangeProduct {
    private final int n, m, slotsPerRow;
    /** Packed positions with {@link FormatSpecies#L} bytes of padding, so a vector load at the last window stays in bounds. */
    private final byte[] positions;

    private NmMatrix(int rows, int cols, int n, int m, float[] values, byte[] quantized, float[] scales, byte[] positions) {
        super(rows, cols, values, quantized, scales);
        this.n = n;
        this.m = m;
        this.slotsPerRow = (int) slotsPerRow(n, m, cols);
        this.positions = positions;
    }

    /** Bytes of packed positions per row: two 4-bit positions per byte. */
    public static long positionBytesPerRow(int n, int m, int cols) {
        return (slotsPerRow(n, m, cols) + 1) / 2;
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
        int spr = (int) slotsPerRow(n, m, cols), bpr = (spr + 1) / 2;
        int total = rows * spr;
        float[] s = int8 ? Int8Rows.scales(dense, rows, cols) : null;
        float[] v = int8 ? null : new float[total];
        byte[] q = int8 ? new byte[total] : null;
        byte[] pos = new byte[rows * bpr + FormatSpecies.L];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            int j0 = k;
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
                    int slot = k - j0;
                    pos[r * bpr + (slot >> 1)] |= (byte) (j << ((slot & 1) << 2));
                    if (int8) q[k] = Int8Rows.quantize(w, s[r]);
                    else v[k] = w;
                    k++;
                }
            }
        }
        return new NmMatrix(rows, cols, n, m, v, q, s, pos);
    }

    /** From raw fp32 slot values and packed positions (both copied after validation), e.g. as read from a file. */
    public static NmMatrix fromArrays(int rows, int cols, int n, int m, float[] values, byte[] packedPositions) {
        Objects.requireNonNull(values, "values");
        check(rows, cols, n, m, values.length, packedPositions);
        return new NmMatrix(rows, cols, n, m, values.clone(), null, null, padded(packedPositions));
    }

    /** From raw int8 slot values, packed positions and per-row scales (all copied after validation). */
    public static NmMatrix fromInt8Arrays(int rows, int cols, int n, int m, byte[] quantized, byte[] packedPositions,
                                          float[] scales) {
        Int8Rows.checkQuantized(quantized);
        Int8Rows.checkScales(scales, rows);
        check(rows, cols, n, m, quantized.length, packedPositions);
        return new NmMatrix(rows, cols, n, m, null, quantized.clone(), scales.clone(), padded(packedPositions));
    }

    private static byte[] padded(byte[] packed) {
        return java.util.Arrays.copyOf(packed, packed.length + FormatSpecies.L);
    }

    /** Position of slot j of row r in packed positions with bpr bytes per row. */
    static int position(byte[] packed, int bpr, int r, int j) {
        return packed[r * bpr + (j >> 1)] >> ((j & 1) << 2) & 15;
    }

    private static void check(int rows, int cols, int n, int m, int valueCount, byte[] packed) {
        checkNm(n, m);
        FormatChecks.dims(rows, cols);
        Objects.requireNonNull(packed, "positions");
        long spr = slotsPerRow(n, m, cols), bpr = positionBytesPerRow(n, m, cols);
        FormatChecks.length("values", valueCount, rows * spr);
        FormatChecks.length("positions", packed.length, rows * bpr);
        for (int r = 0; r < rows; r++) {
            int j = 0;
            for (int g = 0; g < cols; g += m) {
                int len = Math.min(m, cols - g), prev = -1;
                for (int slots = Math.min(n, len), e = j + slots; j < e; j++) {
                    int p = position(packed, (int) bpr, r, j);
                    if (p >= len)
                        throw new IllegalArgumentException("position " + p + " of slot " + j + " in row " + r + " (group at column "
                                + g + ") is outside [0, " + len + ")");
                    if (p <= prev)
                        throw new IllegalArgumentException("positions in the group of row " + r + " at column " + g
                                + " must be strictly increasing, got " + prev + " then " + p);
                    prev = p;
                }
            }
            if ((spr & 1) == 1 && position(packed, (int) bpr, r, (int) spr) != 0)
                throw new IllegalArgumentException("row " + r + " has an odd number of slots; the high nibble of its last"
                        + " position byte is padding and must be 0");
        }
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

    /** Bytes of packed positions per row. */
    public int positionBytesPerRow() {
        return (slotsPerRow + 1) / 2;
    }

    /** A copy of the packed in-group positions: rows × {@link #positionBytesPerRow()} bytes, two 4-bit positions each. */
    public byte[] positions() {
        return java.util.Arrays.copyOf(positions, rows * positionBytesPerRow());
    }

    @Override
    public String format() {
        return named(n + ":" + m);
    }

    @Override
    public long nonzeros() {
        return (long) rows * slotsPerRow;
    }

    @Override
    public long bytes() {
        long slots = (long) rows * slotsPerRow;
        return (long) rows * positionBytesPerRow() + (isInt8() ? slots + 4L * rows : 4 * slots);
    }

    @Override
    public void multiplyVector(float[] x, float[] y) {
        FormatChecks.product(this, x, 1, y);
        if (VectorPolicy.SCALAR) {
            ScalarProducts.multiply(this, x, 1, y);
            return;
        }
        RowChunks.vector(rows, null, (long) rows * slotsPerRow, 1, rows, y, (out, from, to) -> multiplyVectorRows(x, out, from, to));
    }

    @Override
    public void multiplyVectorRows(float[] x, float[] y, int from, int to) {
        if (ScalarProducts.rowRange(this, x, y, from, to)) return;
        if (isInt8()) NmKernels.gemvInt8(quantized, scales, positions, n, m, cols, slotsPerRow, x, y, from, to);
        else NmKernels.gemv(values, positions, n, m, cols, slotsPerRow, x, y, from, to);
    }

    @Override
    public void multiplyBatch(float[] x, int batch, float[] y) {
        FormatChecks.product(this, x, batch, y);
        if (VectorPolicy.SCALAR) {
            ScalarProducts.multiply(this, x, batch, y);
            return;
        }
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
        int bpr = positionBytesPerRow();
        for (int r = 0; r < rows; r++) {
            int j = 0;
            for (int g = 0; g < cols; g += m) {
                for (int e = j + Math.min(n, cols - g); j < e; j++) {
                    int k = r * slotsPerRow + j;
                    d[r * cols + g + position(positions, bpr, r, j)] = isInt8() ? Int8Rows.dequantize(quantized[k], scales[r]) : values[k];
                }
            }
        }
        return d;
    }

    byte[] positionsView() {
        return positions;
    }

    @Override
    public String toString() {
        return format() + " " + FormatChecks.shape(rows, cols);
    }
}
