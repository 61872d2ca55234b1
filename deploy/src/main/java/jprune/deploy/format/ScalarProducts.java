package jprune.deploy.format;

import jprune.tensor.VectorPolicy;

/**
 * Runs a matrix's own scalar reference kernels (next to the vectorized ones) on its stored arrays:
 * what every format computes under the scalar {@link VectorPolicy}, and what the tests compare
 * every fast kernel with. One thread; built for plainness, not speed.
 */
final class ScalarProducts {
    private ScalarProducts() {}

    /** A new y = W·X (X and y batch-interleaved, as {@link WeightMatrix#multiplyBatch}). */
    static float[] product(WeightMatrix w, float[] x, int batch) {
        float[] y = new float[w.rows() * batch];
        multiply(w, x, batch, y);
        return y;
    }

    /** y = W·X. */
    static void multiply(WeightMatrix w, float[] x, int batch, float[] y) {
        int rows = w.rows();
        switch (w) {
            case DenseMatrix d -> {
                if (batch == 1) {
                    if (d.isInt8()) DenseKernels.gemvInt8Scalar(d.quantizedView(), d.scalesView(), d.cols(), x, y, 0, rows);
                    else DenseKernels.gemvScalar(d.valuesView(), d.cols(), x, y, 0, rows);
                } else {
                    if (d.isInt8()) DenseKernels.gemmInt8Scalar(d.quantizedView(), d.scalesView(), d.cols(), x, batch, y, 0, rows);
                    else DenseKernels.gemmScalar(d.valuesView(), d.cols(), x, batch, y, 0, rows);
                }
            }
            case CsrMatrix m -> {
                // the plain CSR arrays, without the kernels' row padding
                int[] ci = m.columnIndices();
                float[] wts = m.isInt8() ? widen(m.quantized()) : m.values();
                float[] s = m.isInt8() ? m.scalesView() : null;
                if (batch == 1) CsrKernels.gemvScalar(m.rowPtrView(), ci, wts, s, x, y, 0, rows);
                else CsrKernels.gemmScalar(m.rowPtrView(), ci, wts, s, x, batch, y, 0, rows);
            }
            case BitmaskMatrix m -> {
                int words = BitmaskMatrix.wordsPerRow(m.cols());
                float[] wts = m.isInt8() ? widen(m.quantizedView()) : m.valuesView();
                float[] s = m.isInt8() ? m.scalesView() : null;
                if (batch == 1) BitmaskKernels.gemvScalar(m.bitsView(), words, wts, s, m.cols(), x, y, 0, rows);
                else BitmaskKernels.gemmScalar(m.bitsView(), words, wts, s, m.cols(), x, batch, y, 0, rows);
            }
            case NmMatrix m -> {
                float[] wts = m.isInt8() ? widen(m.quantizedView()) : m.valuesView();
                float[] s = m.isInt8() ? m.scalesView() : null;
                if (batch == 1) NmKernels.gemvScalar(wts, s, m.positionsView(), m.n(), m.m(), m.cols(), m.slotsPerRow(), x, y, 0, rows);
                else NmKernels.gemmScalar(wts, s, m.positionsView(), m.n(), m.m(), m.cols(), m.slotsPerRow(), x, batch, y, 0, rows);
            }
            case SlicedEllMatrix m -> {
                float[] s = m.isInt8() ? m.scalesView() : null;
                if (batch == 1) SlicedEllKernels.gemvScalar(m.stepStartView(), m.panels(), m.lanes(), m.positionView(), m.columnsView(), m.weights(), s, x, m.cols(), y, 0, rows);
                else SlicedEllKernels.gemmScalar(m.stepStartView(), m.panels(), m.lanes(), m.orderView(), m.columnsView(), m.weights(), s, x, batch, y);
            }
            case BlockSparseMatrix m -> {
                int br = m.blockRows(), bc = m.blockCols(), nbr = BlockSparseMatrix.ceilDiv(rows, br);
                if (batch == 1) {
                    float[] xp = BlockSparseKernels.padX(x, m.cols(), BlockSparseMatrix.ceilDiv(m.cols(), bc) * bc);
                    BlockSparseKernels.gemvScalar(m.blockRowPtrView(), m.blockColView(), m.valuesView(), m.quantizedView(),
                            m.scalesView(), rows, br, bc, xp, y, 0, nbr);
                } else {
                    BlockSparseKernels.gemmScalar(m.blockRowPtrView(), m.blockColView(), m.valuesView(), m.quantizedView(),
                            m.scalesView(), rows, m.cols(), br, bc, x, batch, y, 0, nbr);
                }
            }
            default -> throw new IllegalArgumentException("no scalar reference for " + w.getClass());
        }
    }

    /** int8 weights as floats. */
    static float[] widen(byte[] q) {
        float[] f = new float[q.length];
        for (int i = 0; i < q.length; i++) f[i] = q[i];
        return f;
    }

    /**
     * The checks of {@link RowRangeProduct#multiplyVectorRows}; in scalar mode also the product (the
     * whole one, rows [from, to) copied out), returning true when it has been computed.
     */
    static boolean rowRange(WeightMatrix w, float[] x, float[] y, int from, int to) {
        FormatChecks.product(w, x, 1, y);
        if (from < 0 || to > w.rows() || from > to) throw new IllegalArgumentException("rows [" + from + ", " + to + ") outside [0, " + w.rows() + ")");
        if (!jprune.tensor.VectorPolicy.SCALAR) return false;
        float[] all = new float[w.rows()];
        multiply(w, x, 1, all);
        System.arraycopy(all, from, y, from, to - from);
        return true;
    }
}
