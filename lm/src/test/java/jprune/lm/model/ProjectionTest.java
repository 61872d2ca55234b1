package jprune.lm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jprune.lm.hf.DType;
import jprune.tensor.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The vector and GEMM paths of {@link Projection} against a scalar loop over {@link Projection#weight}, at ragged sizes. */
class ProjectionTest {

    @ParameterizedTest
    @CsvSource({
            "F32, OUT_IN, 37, 29, 1", "F32, OUT_IN, 64, 130, 5", "F32, IN_OUT, 37, 29, 1", "F32, IN_OUT, 70, 131, 3",
            "F32, IN_OUT, 48, 144, 7", "BF16, OUT_IN, 37, 29, 1", "BF16, OUT_IN, 80, 257, 6", "BF16, IN_OUT, 33, 97, 2",
            "BF16, IN_OUT, 64, 300, 9", "F32, IN_OUT, 200, 45, 1", "BF16, IN_OUT, 131, 77, 2", "F32, OUT_IN, 300, 7, 1", "F16, OUT_IN, 21, 19, 1", "F16, IN_OUT, 40, 67, 4",
            // large enough that a prefill splits the outputs across threads (ragged last block of columns)
            "F32, IN_OUT, 300, 1000, 9", "BF16, OUT_IN, 257, 1100, 8", "F16, IN_OUT, 260, 1030, 9", "F32, OUT_IN, 129, 2100, 8",
            // one token through an fp32 [in, out] matrix whose rows split into two halves of uneven tails
            "F32, IN_OUT, 301, 45, 1", "F32, IN_OUT, 1030, 70, 1", "F32, IN_OUT, 259, 16, 1"})
    void matchesTheScalarReference(DType dtype, Projection.Layout layout, int in, int out, int tokens) {
        Rng rng = new Rng(in * 31L + out);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = arena.allocate((long) in * out * dtype.bytes);
            for (long i = 0; i < (long) in * out; i++) dtype.set(w, i, (float) rng.nextGaussian());
            float[] bias = new float[out];
            for (int o = 0; o < out; o++) bias[o] = (float) rng.nextGaussian();
            Projection p = new Projection("p", w, dtype, in, out, layout, bias);
            float[] x = new float[tokens * in];
            for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
            float[] y = new float[tokens * out];
            p.forward(x, tokens, y);
            for (int t = 0; t < tokens; t++) {
                for (int o = 0; o < out; o++) {
                    double s = bias[o];
                    double mag = Math.abs(bias[o]);
                    for (int i = 0; i < in; i++) {
                        s += (double) p.weight(o, i) * x[t * in + i];
                        mag += Math.abs((double) p.weight(o, i) * x[t * in + i]);
                    }
                    assertEquals(s, y[t * out + o], 1e-5 * mag + 1e-6, "token " + t + " output " + o);
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void halfFloatsWidenInRegistersExactlyAsFloat16ToFloat() {
        int lanes = jprune.tensor.VectorPolicy.FLOATS.length();
        short[] h = new short[lanes];
        float[] out = new float[lanes];
        var species = jdk.incubator.vector.VectorSpecies.of(short.class, jdk.incubator.vector.VectorShape.forBitSize(Math.max(64, lanes * 16)));
        for (int base = 0; base < 65536; base += lanes) {
            for (int k = 0; k < lanes; k++) h[k] = (short) (base + k);
            Projection.halfToFloat(jdk.incubator.vector.ShortVector.fromArray(species, h, 0)).intoArray(out, 0);
            for (int k = 0; k < lanes; k++)
                assertEquals(Float.floatToRawIntBits(Float.float16ToFloat(h[k])), Float.floatToRawIntBits(out[k]), "half 0x" + Integer.toHexString(base + k));
        }
    }
}
