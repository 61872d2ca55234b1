package jprune.nn.layers;

import jprune.tensor.Rng;
import jprune.tensor.Tensor;

/** Weight initialisers, matching PyTorch's defaults so results are comparable with the peer. */
public final class Init {
    private Init() {}

    /**
     * PyTorch's default for Linear and Conv2d weights and biases: U(−1/√fan_in, 1/√fan_in)
     * (kaiming_uniform with a = √5 reduces to this bound).
     */
    public static Tensor uniformFanIn(Rng rng, int fanIn, int... shape) {
        float bound = (float) (1 / Math.sqrt(fanIn));
        return Tensor.uniform(rng, -bound, bound, shape);
    }

    /**
     * Glorot and Bengio's normal initialisation ("Gaussian Glorot", Keras' glorot_normal without
     * truncation, PyTorch's xavier_normal_): N(0, 2 / (fan_in + fan_out)).
     */
    public static Tensor glorotNormal(Rng rng, int fanIn, int fanOut, int... shape) {
        if (fanIn < 1 || fanOut < 1) throw new IllegalArgumentException("Glorot initialisation needs positive fans, got in=" + fanIn + " out=" + fanOut);
        return Tensor.randn(rng, (float) Math.sqrt(2.0 / (fanIn + fanOut)), shape);
    }

    /** Truncated-free normal with the given std (ViT tokens and embeddings). */
    public static Tensor normal(Rng rng, float std, int... shape) {
        return Tensor.randn(rng, std, shape);
    }
}
