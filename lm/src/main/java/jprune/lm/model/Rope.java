package jprune.lm.model;

/**
 * Rotary position embedding in the rotate-half convention: dimension i of a head is paired with
 * dimension i + d/2 and the pair turned by position·θ^(−2i/d). Angles are computed in double from
 * the position, so long contexts lose no precision; Llama-3's frequency-dependent scaling and
 * linear interpolation adjust the frequencies as transformers does.
 */
public final class Rope {
    private final int headDim;
    private final double[] invFreq;

    public Rope(LmConfig c) {
        this.headDim = c.headDim();
        int half = headDim / 2;
        invFreq = new double[half];
        for (int i = 0; i < half; i++) invFreq[i] = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / headDim);
        LmConfig.RopeScaling s = c.ropeScaling();
        if (s != null && s.type().equals("linear")) {
            for (int i = 0; i < half; i++) invFreq[i] /= s.factor();
        } else if (s != null && s.type().equals("llama3")) {
            double lowWavelen = s.originalMaxPositions() / s.lowFreqFactor();
            double highWavelen = s.originalMaxPositions() / s.highFreqFactor();
            for (int i = 0; i < half; i++) {
                double wavelen = 2 * Math.PI / invFreq[i];
                if (wavelen > lowWavelen) {
                    invFreq[i] /= s.factor();
                } else if (wavelen >= highWavelen) {
                    double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                    invFreq[i] = (1 - smooth) * invFreq[i] / s.factor() + smooth * invFreq[i];
                }
            }
        }
    }

    /** cos and sin of every pair's angle at position pos, into cos[0..d/2) and sin[0..d/2). */
    public void angles(int pos, float[] cos, float[] sin) {
        for (int i = 0; i < invFreq.length; i++) {
            double a = pos * invFreq[i];
            cos[i] = (float) Math.cos(a);
            sin[i] = (float) Math.sin(a);
        }
    }

    /** Rotates heads consecutive heads of x starting at off (each headDim long) by the given angles. */
    void rotate(float[] x, int off, int heads, float[] cos, float[] sin) {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                float a = x[base + i], b = x[base + half + i];
                x[base + i] = a * cos[i] - b * sin[i];
                x[base + half + i] = b * cos[i] + a * sin[i];
            }
        }
    }
}
