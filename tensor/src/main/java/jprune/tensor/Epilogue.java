package jprune.tensor;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * What an inference kernel does to a raw accumulator on its way out, per output channel: add the
 * layer's bias, apply an affine map (batch norm in evaluation mode: x·scale + shift), then ReLU.
 * The steps round separately, in the order the layers would run one after another, so a fused
 * result equals the unfused one bit for bit. Channel arrays are copied and zero-padded to whole
 * vectors so kernels load them without a tail.
 */
public final class Epilogue {
    private static final VectorSpecies<Float> S = GemmMicroKernel.SPECIES;

    private final float[] bias, scale, shift;
    private final boolean relu;

    private Epilogue(float[] bias, float[] scale, float[] shift, boolean relu) {
        this.bias = bias;
        this.scale = scale;
        this.shift = shift;
        this.relu = relu;
    }

    /**
     * @param bias per-channel bias, or null
     * @param scale per-channel scale (with shift), or null for no affine step
     */
    public static Epilogue of(int channels, float[] bias, float[] scale, float[] shift, boolean relu) {
        if ((scale == null) != (shift == null)) throw new IllegalArgumentException("scale and shift come together");
        return new Epilogue(padded(bias, channels), padded(scale, channels), padded(shift, channels), relu);
    }

    /**
     * Batch norm in evaluation mode as an affine map, computed as {@link BatchNormKernels#forwardEval}
     * computes it (so that fusing changes no bit): scale = γ / √(var + eps), shift = β − mean·scale.
     */
    public static float[][] batchNormAffine(float[] gamma, float[] beta, float[] mean, float[] var, float eps) {
        int c = gamma.length;
        float[] scale = new float[c], shift = new float[c];
        for (int ch = 0; ch < c; ch++) {
            float inv = (float) (1 / Math.sqrt(var[ch] + eps));
            scale[ch] = gamma[ch] * inv;
            shift[ch] = beta[ch] - mean[ch] * scale[ch];
        }
        return new float[][] {scale, shift};
    }

    /** No bias, no affine step, no ReLU: the raw products. */
    public static Epilogue none(int channels) {
        return of(channels, null, null, null, false);
    }

    private static float[] padded(float[] a, int channels) {
        if (a == null) return null;
        if (a.length != channels) throw new IllegalArgumentException("per-channel array has " + a.length + " entries for " + channels + " channels");
        return Arrays.copyOf(a, GemmPacking.ceilDiv(Math.max(1, channels), S.length()) * S.length());
    }

    public boolean relu() {
        return relu;
    }

    /** Bias and affine step for channels [ch, ch + lanes); ReLU is left to {@link #finish}, after any pooling. */
    FloatVector affine(FloatVector v, int ch) {
        if (bias != null) v = v.add(FloatVector.fromArray(S, bias, ch));
        if (scale != null) v = v.mul(FloatVector.fromArray(S, scale, ch)).add(FloatVector.fromArray(S, shift, ch));
        return v;
    }

    /** The same steps for one lane of channel ch, broadcast: for kernels whose lanes are positions. */
    FloatVector affineBroadcast(FloatVector v, int ch) {
        if (bias != null) v = v.add(bias[ch]);
        if (scale != null) v = v.mul(scale[ch]).add(shift[ch]);
        return v;
    }

    FloatVector finish(FloatVector v) {
        return relu ? v.max(0f) : v;
    }

    /** The scalar form, for references: bias, affine, and (with pooling taken by the caller) ReLU. */
    public float affine(float v, int ch) {
        if (bias != null) v = v + bias[ch];
        if (scale != null) v = v * scale[ch] + shift[ch];
        return v;
    }

    public float finish(float v) {
        return relu ? Math.max(v, 0f) : v;
    }
}
