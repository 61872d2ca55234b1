package jprune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class LayerNormKernelsTest {
    @Test
    void forwardEqualsTheScalarReferenceBitForBit() {
        Rng rng = new Rng(51);
        // Row counts around the 4-row groups, widths around the vector widths; with and without the affine part.
        for (int rows : new int[] {1, 3, 4, 5, 9, 37}) {
            for (int cols : new int[] {1, 7, 16, 17, 64, 100}) {
                float[] x = KernelAssert.random(rng, rows * cols);
                for (int i = 0; i < x.length; i++) x[i] = x[i] * 50 + (i % 3 == 0 ? 1e3f : 0);   // offsets the double sums must carry
                float[] gamma = KernelAssert.random(rng, cols), beta = KernelAssert.random(rng, cols);
                for (int affine = 0; affine < 4; affine++) {
                    float[] g = (affine & 1) != 0 ? gamma : null, b = (affine & 2) != 0 ? beta : null;
                    float[] y = new float[x.length], mean = new float[rows], rstd = new float[rows];
                    float[] ry = new float[x.length], rmean = new float[rows], rrstd = new float[rows];
                    LayerNormKernels.forward(x, g, b, y, mean, rstd, rows, cols, 1e-5f);
                    LayerNormKernels.forwardScalar(x, g, b, ry, rmean, rrstd, rows, cols, 1e-5f);
                    String what = rows + "×" + cols + " affine=" + affine;
                    assertArrayEquals(rmean, mean, what + " mean");
                    assertArrayEquals(rrstd, rstd, what + " rstd");
                    assertArrayEquals(ry, y, what + " y");
                }
            }
        }
    }

    @Test
    void rowsApartGetTheBitsTheyGetSideBySide() {
        Rng rng = new Rng(52);
        for (int cols : new int[] {1, 7, 16, 17, 48, 64, 100}) {
            int rows = 11, ldx = cols + 5, ldy = cols + 3;
            float[] x = KernelAssert.random(rng, 2 + rows * ldx), gamma = KernelAssert.random(rng, cols), beta = KernelAssert.random(rng, cols);
            for (int i = 0; i < x.length; i++) x[i] = x[i] * 20 + 3;
            float[] packed = new float[rows * cols];
            for (int r = 0; r < rows; r++) System.arraycopy(x, 2 + r * ldx, packed, r * cols, cols);
            float[] expected = new float[rows * cols];
            LayerNormKernels.forward(packed, gamma, beta, expected, new float[rows], new float[rows], rows, cols, 1e-5f);
            float[] y = new float[1 + rows * ldy];
            java.util.Arrays.fill(y, 9f);
            LayerNormKernels.forwardRows(x, 2, ldx, gamma, beta, y, 1, ldy, rows, cols, 1e-5f);
            for (int r = 0; r < rows; r++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(expected, r * cols, (r + 1) * cols),
                        java.util.Arrays.copyOfRange(y, 1 + r * ldy, 1 + r * ldy + cols), cols + " columns, row " + r);
                for (int j = cols; j < ldy && r < rows - 1; j++) assertEquals(9f, y[1 + r * ldy + j], "a gap between rows was written");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> LayerNormKernels.forwardRows(new float[10], 0, 4, null, null, new float[10], 0, 5, 3, 5, 1e-5f));
    }

    @Test
    void withoutBetaANegativeZeroBecomesPositiveAsInTheReference() {
        // A constant row normalises to ±0; the reference adds 0f, which makes every zero +0.
        float[] x = new float[3 * 16];
        java.util.Arrays.fill(x, 2f);
        float[] gamma = new float[16];
        java.util.Arrays.fill(gamma, -1f);
        float[] y = new float[x.length];
        LayerNormKernels.forward(x, gamma, null, y, new float[3], new float[3], 3, 16, 1e-5f);
        for (float v : y) assertEquals(0, Float.floatToRawIntBits(v), "expected +0, got " + v);
    }
}
