package jprune.nn.optim;

import java.util.List;
import jprune.nn.Parameter;

/** Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch's AdamW semantics. */
public final class AdamW extends Optimizer {
    private final float beta1, beta2, eps, weightDecay;
    private final float[][] m, v;
    private final int[] steps;

    public AdamW(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(params, lr);
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1)
            throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
        if (!(eps > 0)) throw new IllegalArgumentException("eps must be > 0, got " + eps);
        if (weightDecay < 0) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
        this.m = new float[this.params.size()][];
        this.v = new float[this.params.size()][];
        this.steps = new int[this.params.size()];
    }

    /** This step's constants for the parameter being updated: bias corrections folded in ({@link #begin}). */
    private float c2, stepSize, decay;

    @Override
    protected void begin(int index, int n, float lr) {
        if (m[index] == null) {
            m[index] = new float[n];
            v[index] = new float[n];
        }
        int t = ++steps[index];
        float c1 = (float) (1 - Math.pow(beta1, t));
        c2 = (float) Math.sqrt(1 - Math.pow(beta2, t));
        stepSize = lr / c1;
        decay = 1 - lr * weightDecay;
    }

    @Override
    protected void update(int index, float[] w, float[] g, float lr, int from, int to) {
        float[] mi = m[index], vi = v[index];
        float b1 = beta1, b2 = beta2, c2 = this.c2, stepSize = this.stepSize, decay = this.decay, e = eps;
        for (int i = from; i < to; i++) {
            float gi = g[i];
            float mm = b1 * mi[i] + (1 - b1) * gi;
            float vv = b2 * vi[i] + (1 - b2) * gi * gi;
            mi[i] = mm;
            vi[i] = vv;
            w[i] = w[i] * decay - stepSize * mm / ((float) Math.sqrt(vv) / c2 + e);
        }
    }

    @Override
    protected void maskState(int index, Parameter p) {
        if (m[index] == null) return;
        p.maskInPlace(m[index]);
        p.maskInPlace(v[index]);
    }
}
