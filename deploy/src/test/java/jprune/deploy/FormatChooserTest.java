package jprune.deploy;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import jprune.tensor.Rng;
import org.junit.jupiter.api.Test;

class FormatChooserTest {
    static float[] sparse(int rows, int cols, double density, long seed) {
        Rng rng = new Rng(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) if (rng.nextFloat() < density) w[i] = (float) rng.nextGaussian();
        return w;
    }

    @Test
    void theChosenMatrixHoldsExactlyTheWeightAndEveryCandidateIsReported() {
        float[] w = sparse(40, 70, 0.5, 1);   // dense enough that no N:M pattern holds
        FormatChooser.Choice c = new FormatChooser(FormatChooser.Goal.LATENCY, 5).choose(w, 40, 70, false, 1, 8);
        assertArrayEquals(w, c.matrix().toDense());
        List<String> formats = c.candidates().stream().map(FormatChooser.Candidate::format).toList();
        assertTrue(formats.containsAll(List.of("dense", "csr", "bitmask")), formats.toString());
        assertTrue(formats.stream().noneMatch(f -> f.contains(":")), "a random mask is no N:M pattern: " + formats);
        assertTrue(c.reason().startsWith(c.matrix().format()), c.reason());
        assertEquals(c.candidates().size(), ((List<?>) c.toMap().get("candidates")).size());
    }

    @Test
    void nOfMWeightsAndBlockWeightsBecomeCandidates() {
        float[] w = sparse(16, 32, 1.0, 2);
        for (int i = 0; i < w.length; i += 4) { w[i] = 0; w[i + 2] = 0; }   // 2:4
        List<String> formats = new FormatChooser(FormatChooser.Goal.THROUGHPUT, 5).choose(w, 16, 32, false, 1, 4)
                .candidates().stream().map(FormatChooser.Candidate::format).toList();
        assertTrue(formats.contains("2:4"), formats.toString());
        float[] b = new float[16 * 32];
        for (int r = 0; r < 8; r++) for (int c = 0; c < 8; c++) b[r * 32 + c] = 1f + r + c;   // one dense 8x8 block
        formats = new FormatChooser(FormatChooser.Goal.LATENCY, 5).choose(b, 16, 32, true, 1, 4)
                .candidates().stream().map(FormatChooser.Candidate::format).toList();
        assertTrue(formats.stream().anyMatch(f -> f.startsWith("block")), formats.toString());
        assertTrue(formats.stream().allMatch(f -> f.endsWith("int8")), "int8 candidates only: " + formats);
    }
}
