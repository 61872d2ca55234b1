package jprune.nn.models;

import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.layers.Init;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;

/** How a model's weights are drawn when it is built: the model's own initialisers, or another scheme laid over them. */
public enum WeightInit {
    /** The layers' own initialisers (PyTorch's defaults: U(±1/√fan_in) for weights and biases). */
    MODEL("model"),
    /**
     * Gaussian Glorot (the lottery-ticket paper's choice): every weight matrix or kernel drawn from
     * N(0, 2 / (fan_in + fan_out)), with fans counted as PyTorch does (a kernel's receptive field
     * multiplies both), and the biases of those layers at zero (as in the paper's authors' code).
     * Other parameters (norm scales, embeddings) keep the model's initialisers.
     */
    GLOROT_NORMAL("glorot-normal");

    private final String id;

    WeightInit(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static List<String> names() {
        return java.util.Arrays.stream(values()).map(WeightInit::id).toList();
    }

    public static WeightInit parse(String s) {
        for (WeightInit w : values()) if (w.id.equals(s)) return w;
        throw new IllegalArgumentException("initialisation must be one of " + names() + ", got '" + s + "'");
    }

    /** Builds the model from the config with this scheme; the same config and seed give the same weights. */
    public Module build(ModelConfig config, long seed) {
        Module m = Models.build(config, seed);
        if (this == GLOROT_NORMAL) glorotNormal(m, seed);
        return m;
    }

    private static void glorotNormal(Module m, long seed) {
        // Its own stream, so the draws do not repeat the ones the model's initialisers took from this seed.
        Rng rng = new Rng(seed).fork(0x610A07L);
        Map<String, Parameter> params = m.namedParameters();
        for (var e : params.entrySet()) {
            Parameter p = e.getValue();
            if (p.kind() != Parameter.Kind.WEIGHT || p.dim() < 2) continue;
            int[] shape = p.shape();
            int receptive = p.numel() / (shape[0] * shape[1]);
            Tensor w = Init.glorotNormal(rng, shape[1] * receptive, shape[0] * receptive, shape);
            System.arraycopy(w.data(), 0, p.value().data(), 0, w.data().length);
            String name = e.getKey();
            if (name.endsWith("weight")) {
                Parameter bias = params.get(name.substring(0, name.length() - "weight".length()) + "bias");
                if (bias != null && bias.kind() == Parameter.Kind.BIAS) java.util.Arrays.fill(bias.value().data(), 0f);
            }
            p.applyMask();
        }
    }
}
