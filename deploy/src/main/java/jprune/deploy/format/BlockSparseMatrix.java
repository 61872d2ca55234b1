package jprune.deploy.format;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import jprune.tensor.VectorPolicy;

/**
 * Block compressed sparse rows (BSR): W cut into R×C blocks (the last block row and column padded
 * with zeros past the matrix's edge), a block stored whole, row-major inside, if any of its entries
 * is nonzero. Block rows have pointers into the list of stored blocks and each stored block its
 * block-column index (strictly increasing within a block row). Values are fp32 or per-row int8
 * ({@link Int8Rows}, one scale per matrix row). R and C are 1 to 256.
 *
 * <p>One index per block instead of per weight, and contiguous runs of weights: 4×4 blocks store
 * 4 + 1/4 bytes per fp32 weight kept, zeros inside kept blocks included.
 */
public final class BlockSparseMatrix extends StoredValues {
    /** Largest block side accepted. */
    public static final int MAX_BLOCK = 256;

    private final int blockRows, blockCols, blockColCount;
    private final int[] blockRowPtr;
    private final int[] blockCol;

    private BlockSparseMatrix(int rows, int cols, int blockRows, int blockCols, int[] blockRowPtr, int[] blockCol,
                              float[] values, byte[] quantized, float[] scales) {
        super(rows, cols, values, quantized, scales);
        this.blockRows = blockRows;
        this.blockCols = blockCols;
        this.blockColCount = ceilDiv(cols, blockCols);
        this.blockRowPtr = blockRowPtr;
        this.blockCol = blockCol;
    }

    static int ceilDiv(int a, int b) {
        return (int) ((a + (long) b - 1) / b);
    }

    private static void checkBlock(int r, int c) {
        if (r < 1 || c < 1 || r > MAX_BLOCK || c > MAX_BLOCK)
            throw new IllegalArgumentException("block sides must be in [1, " + MAX_BLOCK + "], got " + r + "x" + c);
    }

    /** fp32 BSR of a dense row-major array with blockRows × blockCols blocks. */
    public static BlockSparseMatrix of(float[] dense, int rows, int cols, int blockRows, int blockCols) {
        return build(dense, rows, cols, blockRows, blockCols, false);
    }

    /** Int8 BSR: the blocks the fp32 one keeps, quantized per matrix row. */
    public static BlockSparseMatrix int8(float[] dense, int rows, int cols, int blockRows, int blockCols) {
        return build(dense, rows, cols, blockRows, blockCols, true);
    }

    private static BlockSparseMatrix build(float[] dense, int rows, int cols, int br, int bc, boolean int8) {
        checkBlock(br, bc);
        FormatChecks.dense(dense, rows, cols);
        int nbr = ceilDiv(rows, br), nbc = ceilDiv(cols, bc);
        int[] ptr = new int[nbr + 1];
        int kept = 0;
        boolean[] keep = new boolean[nbc];
        for (int i = 0; i < nbr; i++) {
            for (int j = 0; j < nbc; j++) if (keep[j] = anyNonzero(dense, rows, cols, i * br, j * bc, br, bc)) kept++;
            ptr[i + 1] = kept;
        }
        long size = (long) kept * br * bc;
        if (size > FormatChecks.MAX_ARRAY)
            throw new IllegalArgumentException(kept + " blocks of " + br + "x" + bc + " exceed one array");
        int[] bcol = new int[kept];
        float[] s = int8 ? Int8Rows.scales(dense, rows, cols) : null;
        float[] v = int8 ? null : new float[(int) size];
        byte[] q = int8 ? new byte[(int) size] : null;
        int k = 0;
        for (int i = 0; i < nbr; i++) {
            for (int j = 0; j < nbc; j++) {
                if (!anyNonzero(dense, rows, cols, i * br, j * bc, br, bc)) continue;
                bcol[k] = j;
                int base = k * br * bc;
                for (int a = 0; a < br && i * br + a < rows; a++) {
                    int r = i * br + a;
                    for (int b = 0; b < bc && j * bc + b < cols; b++) {
                        float w = dense[r * cols + j * bc + b];
                        if (int8) q[base + a * bc + b] = Int8Rows.quantize(w, s[r]);
                        else v[base + a * bc + b] = w;
                    }
                }
                k++;
            }
        }
        return new BlockSparseMatrix(rows, cols, br, bc, ptr, bcol, v, q, s);
    }

    private static boolean anyNonzero(float[] d, int rows, int cols, int r0, int c0, int br, int bc) {
        for (int r = r0; r < Math.min(rows, r0 + br); r++) {
            for (int c = c0; c < Math.min(cols, c0 + bc); c++) if (d[r * cols + c] != 0) return true;
        }
        return false;
    }

    /** From raw fp32 arrays (copied after validation), e.g. as read from a file. */
    public static BlockSparseMatrix fromArrays(int rows, int cols, int blockRows, int blockCols,
                                               int[] blockRowPointers, int[] blockColumnIndices, float[] values) {
        Objects.requireNonNull(values, "values");
        check(rows, cols, blockRows, blockCols, blockRowPointers, blockColumnIndices, values.length);
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0 && isPadding(rows, cols, blockRows, blockCols, blockRowPointers, blockColumnIndices, i))
                throw new IllegalArgumentException("value " + i + " lies in the padding past the matrix's edge and must be 0, got " + values[i]);
        }
        return new BlockSparseMatrix(rows, cols, blockRows, blockCols, blockRowPointers.clone(),
                blockColumnIndices.clone(), values.clone(), null, null);
    }

    /** From raw int8 arrays and per-row scales (all copied after validation). */
    public static BlockSparseMatrix fromInt8Arrays(int rows, int cols, int blockRows, int blockCols,
                                                   int[] blockRowPointers, int[] blockColumnIndices,
                                                   byte[] quantized, float[] scales) {
        Int8Rows.checkQuantized(quantized);
        Int8Rows.checkScales(scales, rows);
        check(rows, cols, blockRows, blockCols, blockRowPointers, blockColumnIndices, quantized.length);
        for (int i = 0; i < quantized.length; i++) {
            if (quantized[i] != 0 && isPadding(rows, cols, blockRows, blockCols, blockRowPointers, blockColumnIndices, i))
                throw new IllegalArgumentException("value " + i + " lies in the padding past the matrix's edge and must be 0, got " + quantized[i]);
        }
        return new BlockSparseMatrix(rows, cols, blockRows, blockCols, blockRowPointers.clone(),
                blockColumnIndices.clone(), null, quantized.clone(), scales.clone());
    }

    /** Whether value i of a validated layout falls outside the matrix (only edge blocks have such entries). */
    private static boolean isPadding(int rows, int cols, int br, int bc, int[] ptr, int[] bcol, int i) {
        int block = i / (br * bc), within = i % (br * bc);
        int c = bcol[block] * bc + within % bc;
        if (c >= cols) return true;
        int lo = 0, hi = ptr.length - 2;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (ptr[mid] <= block) lo = mid;
            else hi = mid - 1;
        }
        return lo * br + within / bc >= rows;
    }

    private static void check(int rows, int cols, int br, int bc, int[] ptr, int[] bcol, int valueCount) {
        checkBlock(br, bc);
        FormatChecks.dims(rows, cols);
        Objects.requireNonNull(ptr, "blockRowPointers");
        Objects.requireNonNull(bcol, "blockColumnIndices");
        int nbr = ceilDiv(rows, br), nbc = ceilDiv(cols, bc);
        FormatChecks.length("blockRowPointers", ptr.length, nbr + 1L);
        if (ptr[0] != 0) throw new IllegalArgumentException("blockRowPointers[0] must be 0, got " + ptr[0]);
        for (int i = 0; i < nbr; i++) {
            if (ptr[i + 1] < ptr[i])
                throw new IllegalArgumentException("blockRowPointers must not decrease: block row " + i + " runs from "
                        + ptr[i] + " to " + ptr[i + 1]);
        }
        if (ptr[nbr] != bcol.length)
            throw new IllegalArgumentException("blockRowPointers end at " + ptr[nbr] + " but there are " + bcol.length + " block column indices");
        FormatChecks.length("values", valueCount, (long) bcol.length * br * bc);
        for (int i = 0; i < nbr; i++) {
            int prev = -1;
            for (int k = ptr[i]; k < ptr[i + 1]; k++) {
                if (bcol[k] < 0 || bcol[k] >= nbc)
                    throw new IllegalArgumentException("block column index " + bcol[k] + " at " + k + " (block row " + i
                            + ") is outside [0, " + nbc + ")");
                if (bcol[k] <= prev)
                    throw new IllegalArgumentException("block column indices of block row " + i
                            + " must be strictly increasing, got " + prev + " then " + bcol[k]);
                prev = bcol[k];
            }
        }
    }

    /** Block height R. */
    public int blockRows() {
        return blockRows;
    }

    /** Block width C. */
    public int blockCols() {
        return blockCols;
    }

    /** Stored blocks. */
    public int blockCount() {
        return blockCol.length;
    }

    /** A copy of the block row pointers (⌈rows/R⌉ + 1). */
    public int[] blockRowPointers() {
        return blockRowPtr.clone();
    }

    /** A copy of the stored blocks' block-column indices. */
    public int[] blockColumnIndices() {
        return blockCol.clone();
    }

    @Override
    public String format() {
        return named("block" + blockRows + "x" + blockCols);
    }

    @Override
    public long nonzeros() {
        return (long) blockCol.length * blockRows * blockCols;
    }

    @Override
    public long bytes() {
        long entries = nonzeros();
        return 4L * blockRowPtr.length + 4L * blockCol.length + (isInt8() ? entries + 4L * rows : 4 * entries);
    }

    @Override
    public void multiplyVector(float[] x, float[] y) {
        FormatChecks.product(this, x, 1, y);
        if (VectorPolicy.SCALAR) {
            ScalarProducts.multiply(this, x, 1, y);
            return;
        }
        int nbr = blockRowPtr.length - 1;
        float[] xp = BlockSparseKernels.padX(x, cols, blockColCount * blockCols);
        long work = ((long) blockRowPtr[nbr] - blockRowPtr[0]) * blockRows * blockCols + nbr;
        RowChunks.vector(nbr, blockRowPtr, work, blockRows, rows, y, (out, from, to) ->
                BlockSparseKernels.gemv(blockRowPtr, blockCol, values, quantized, scales, rows, blockRows, blockCols,
                        xp, out, from, to));
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
        int nbr = blockRowPtr.length - 1;
        int maxBlocks = 0;
        for (int i = 0; i < nbr; i++) maxBlocks = Math.max(maxBlocks, blockRowPtr[i + 1] - blockRowPtr[i]);
        int maxRow = maxBlocks * blockCols;
        MemorySegment xa = SparseRowKernels.aligned(x, cols * batch);
        RowChunks.weighted(nbr, blockRowPtr, (long) blockRows * blockCols * batch, (from, to) ->
                BlockSparseKernels.gemm(blockRowPtr, blockCol, values, quantized, scales, rows, cols, blockRows, blockCols,
                        maxRow, xa, batch, y, from, to));
    }

    @Override
    public float[] toDense() {
        float[] d = new float[FormatChecks.denseSize(rows, cols)];
        int rc = blockRows * blockCols;
        for (int i = 0; i + 1 < blockRowPtr.length; i++) {
            for (int k = blockRowPtr[i]; k < blockRowPtr[i + 1]; k++) {
                for (int a = 0; a < blockRows && i * blockRows + a < rows; a++) {
                    int r = i * blockRows + a;
                    for (int b = 0; b < blockCols && blockCol[k] * blockCols + b < cols; b++) {
                        int at = k * rc + a * blockCols + b;
                        d[r * cols + blockCol[k] * blockCols + b] = isInt8() ? Int8Rows.dequantize(quantized[at], scales[r]) : values[at];
                    }
                }
            }
        }
        return d;
    }

    int[] blockRowPtrView() {
        return blockRowPtr;
    }

    int[] blockColView() {
        return blockCol;
    }

    @Override
    public String toString() {
        return format() + " " + FormatChecks.shape(rows, cols) + ", " + blockCount() + " blocks";
    }
}
