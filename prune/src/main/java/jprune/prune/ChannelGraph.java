package jprune.prune;

import java.util.ArrayList;
import java.util.List;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.layers.BatchNorm2d;
import jprune.nn.layers.Conv2d;
import jprune.nn.layers.Linear;
import jprune.nn.layers.MultiHeadSelfAttention;
import jprune.nn.layers.Residual;
import jprune.nn.models.TransformerBlock;

/**
 * The chain of channel-producing layers of a sequential model, in forward order: each linear or
 * convolution layer, the batch norm that normalises its output (if any), and the layer that
 * consumes its channels next. This is the dependency structure structured pruning and compaction
 * need; models that are not a plain chain (attention, residual blocks) are rejected.
 */
public record ChannelGraph(List<Node> nodes) {
    /** One weight layer: its name, the module, and the batch norm right after it (or null). */
    public record Node(String name, Module layer, BatchNorm2d norm) {
        public Parameter weight() {
            return layer instanceof Linear l ? l.weight() : ((Conv2d) layer).weight();
        }

        public Parameter bias() {
            return layer instanceof Linear l ? l.bias() : ((Conv2d) layer).bias();
        }

        public int outChannels() {
            return weight().size(0);
        }

        public boolean isConv() {
            return layer instanceof Conv2d;
        }
    }

    public static ChannelGraph of(Module model) {
        List<Node> nodes = new ArrayList<>();
        String pending = null;
        Module pendingLayer = null;
        for (var e : model.namedModules().entrySet()) {
            Module m = e.getValue();
            if (m instanceof MultiHeadSelfAttention || m instanceof Residual || m instanceof TransformerBlock)
                throw new IllegalArgumentException("structured pruning supports sequential chains of linear and convolution layers; '"
                        + e.getKey() + "' (" + m.getClass().getSimpleName() + ") is not one");
            if (m instanceof Linear || m instanceof Conv2d) {
                if (pendingLayer != null) nodes.add(new Node(pending, pendingLayer, null));
                pending = e.getKey();
                pendingLayer = m;
            } else if (m instanceof BatchNorm2d bn && pendingLayer != null) {
                nodes.add(new Node(pending, pendingLayer, bn));
                pending = null;
                pendingLayer = null;
            }
        }
        if (pendingLayer != null) nodes.add(new Node(pending, pendingLayer, null));
        return new ChannelGraph(nodes);
    }

    /** Output channels of a layer that its mask keeps. */
    public static int keptCount(Node node) {
        return ChannelPruner.kept(node).length;
    }

    /** Layers whose output channels may be removed: all but the last, which produces the classes. */
    public List<Node> prunable() {
        return nodes.subList(0, Math.max(0, nodes.size() - 1));
    }
}
