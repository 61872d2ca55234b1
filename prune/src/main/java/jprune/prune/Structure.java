package jprune.prune;

import java.util.Arrays;
import java.util.List;

/** The structured granularities: what one removable group is. */
public enum Structure {
    /** Attention heads (query/key/value rows, output columns). */
    HEADS("heads", "head"),
    /** Hidden neurons of transformer MLPs (up/gate rows, down columns). */
    MLP_NEURONS("mlp-neurons", "MLP neuron"),
    /** Whole transformer blocks, which the residual path turns into the identity. */
    BLOCKS("blocks", "block"),
    /** Output channels of a chain of linear and convolution layers (neurons, filters). */
    CHANNELS("channels", "channel"),
    /**
     * The width of a transformer's residual stream: one hidden dimension across the embeddings,
     * every block's inputs and outputs, the norms and the head. Opt-in: it touches every layer.
     */
    HIDDEN("hidden", "hidden dimension");

    private final String flag, unit;

    Structure(String flag, String unit) {
        this.flag = flag;
        this.unit = unit;
    }

    /** The name flags and recipes use. */
    public String flag() {
        return flag;
    }

    /** What one group is called in messages, singular ("head", "MLP neuron"). */
    public String unit() {
        return unit;
    }

    /** The plural ("heads", "hidden dimensions"). */
    public String units() {
        return unit + "s";
    }

    /** The metrics.json key holding per-layer counts of removed groups: channels, heads, mlp_neurons, blocks, hidden. */
    public String metricsKey() {
        return flag.replace('-', '_');
    }

    /** Every flag name, for help texts and errors. */
    public static List<String> flags() {
        return Arrays.stream(values()).map(Structure::flag).toList();
    }

    /** The structure with this flag name (channels also as neurons or filters), or null. */
    public static Structure byFlag(String name) {
        if (Granularity.CHANNEL_NAMES.contains(name)) return CHANNELS;
        for (Structure s : values()) if (s.flag.equals(name)) return s;
        return null;
    }
}
