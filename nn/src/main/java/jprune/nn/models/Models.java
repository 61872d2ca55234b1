package jprune.nn.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.layers.BatchNorm2d;
import jprune.nn.layers.Conv2d;
import jprune.nn.layers.Dropout;
import jprune.nn.layers.Flatten;
import jprune.nn.layers.Linear;
import jprune.nn.layers.MaxPool2d;
import jprune.nn.layers.ReLU;
import jprune.nn.layers.Sequential;
import jprune.tensor.Rng;

/**
 * The reference models, built from a {@link ModelConfig}. {@link #defaultConfig} gives each
 * model's standard sizes for 1×28×28 inputs and 10 classes; compaction writes narrower widths
 * into the config and {@link #build} rebuilds the smaller model from it.
 */
public final class Models {
    public static final List<String> NAMES = List.of("lenet-300-100", "lenet-5", "convnet", "vit-tiny");

    private Models() {}

    public static ModelConfig defaultConfig(String name) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("in_channels", 1L);
        v.put("image_size", 28L);
        v.put("classes", 10L);
        switch (name) {
            case "lenet-300-100" -> v.put("hidden", List.of(300L, 100L));
            case "lenet-5" -> {
                v.put("conv", List.of(6L, 16L));
                v.put("fc", List.of(120L, 84L));
            }
            case "convnet" -> {
                v.put("conv", List.of(32L, 64L, 128L));
                v.put("fc", List.of(256L));
                v.put("dropout", 0.3);
            }
            case "vit-tiny" -> {
                v.put("patch", 7L);
                v.put("dim", 64L);
                v.put("depth", 4L);
                v.put("heads", 4L);
                v.put("head_dim", 16L);
                v.put("mlp_dim", 128L);
            }
            default -> throw new IllegalArgumentException("unknown model '" + name + "'; choose one of " + NAMES);
        }
        return new ModelConfig(name, v);
    }

    /**
     * Throws unless model has exactly the tensors (parameters and buffers), with the same shapes, of the
     * model cfg builds: what a file saving model with cfg must hold for a reader that rebuilds it from cfg.
     *
     * @throws IllegalArgumentException naming the first tensor that differs
     */
    public static void requireBuiltBy(ModelConfig cfg, Module model) {
        Map<String, jprune.tensor.Tensor> expected = build(cfg, 0).stateDict(), actual = model.stateDict();
        for (var e : expected.entrySet()) {
            jprune.tensor.Tensor t = actual.get(e.getKey());
            if (t == null)
                throw new IllegalArgumentException("the model has no '" + e.getKey() + "', which the " + cfg.name() + " its config builds has: is it the config's model?");
            if (!java.util.Arrays.equals(t.shape(), e.getValue().shape()))
                throw new IllegalArgumentException("'" + e.getKey() + "' has shape " + java.util.Arrays.toString(t.shape()) + ", the " + cfg.name() + " its config builds has "
                        + java.util.Arrays.toString(e.getValue().shape()));
        }
        for (String name : actual.keySet())
            if (!expected.containsKey(name)) throw new IllegalArgumentException("the model has '" + name + "', which the " + cfg.name() + " its config builds lacks");
    }

    /** Builds a freshly initialised model; the same config and seed give the same weights. */
    public static Module build(ModelConfig cfg, long seed) {
        Rng rng = new Rng(seed);
        int in = cfg.getInt("in_channels"), size = cfg.getInt("image_size"), classes = cfg.getInt("classes");
        return switch (cfg.name()) {
            case "lenet-300-100" -> mlp(in * size * size, cfg.getIntList("hidden"), classes, rng);
            case "lenet-5" -> lenet5(in, size, cfg.getIntList("conv"), cfg.getIntList("fc"), classes, rng);
            case "convnet" -> convnet(in, size, cfg.getIntList("conv"), cfg.getIntList("fc"), (float) cfg.getDouble("dropout"), classes, rng);
            case "vit-tiny" -> new VisionTransformer(in, size, cfg.getInt("patch"), cfg.getInt("dim"), perBlock(cfg, "heads", "block_heads"),
                    cfg.getInt("head_dim"), perBlock(cfg, "mlp_dim", "block_mlp_dims"), classes, rng);
            default -> throw new IllegalArgumentException("unknown model '" + cfg.name() + "'; choose one of " + NAMES);
        };
    }

    /**
     * A transformer's per-block sizes: the list under perBlockKey when structured pruning left the
     * blocks different (one entry per block, "depth" of them), else the uniform value repeated.
     */
    static int[] perBlock(ModelConfig cfg, String uniformKey, String perBlockKey) {
        int depth = cfg.getInt("depth");
        if (depth < 1) throw new IllegalArgumentException("model config '" + cfg.name() + "': 'depth' must be at least 1, got " + depth);
        if (cfg.values().containsKey(perBlockKey)) {
            List<Integer> v = cfg.getIntList(perBlockKey);
            if (v.size() != depth)
                throw new IllegalArgumentException("model config '" + cfg.name() + "': '" + perBlockKey + "' has " + v.size() + " entries for depth " + depth);
            return v.stream().mapToInt(Integer::intValue).toArray();
        }
        int[] a = new int[depth];
        java.util.Arrays.fill(a, cfg.getInt(uniformKey));
        return a;
    }

    /** LeNet-300-100: flatten, then fully connected layers fc1..fcN with ReLU between. */
    static Module mlp(int inputs, List<Integer> hidden, int classes, Rng rng) {
        Sequential s = new Sequential().add("flatten", new Flatten());
        int prev = inputs;
        for (int i = 0; i < hidden.size(); i++) {
            s.add("fc" + (i + 1), new Linear(prev, hidden.get(i), true, rng));
            s.add("relu" + (i + 1), new ReLU());
            prev = hidden.get(i);
        }
        return s.add("fc" + (hidden.size() + 1), new Linear(prev, classes, true, rng));
    }

    /** LeNet-5 as in the PyTorch peer: conv5×5 (pad 2) → pool → conv5×5 → pool → fc → fc → fc. */
    static Module lenet5(int in, int size, List<Integer> conv, List<Integer> fc, int classes, Rng rng) {
        if (conv.size() != 2) throw new IllegalArgumentException("lenet-5 needs 2 conv widths, got " + conv);
        Sequential s = new Sequential()
                .add("conv1", new Conv2d(in, conv.get(0), 5, 1, 2, true, rng))
                .add("relu1", new ReLU())
                .add("pool1", new MaxPool2d(2))
                .add("conv2", new Conv2d(conv.get(0), conv.get(1), 5, 1, 0, true, rng))
                .add("relu2", new ReLU())
                .add("pool2", new MaxPool2d(2))
                .add("flatten", new Flatten());
        int side = ((size / 2) - 4) / 2;
        int prev = conv.get(1) * side * side;
        for (int i = 0; i < fc.size(); i++) {
            s.add("fc" + (i + 1), new Linear(prev, fc.get(i), true, rng));
            s.add("relu" + (i + 3), new ReLU());
            prev = fc.get(i);
        }
        return s.add("fc" + (fc.size() + 1), new Linear(prev, classes, true, rng));
    }

    /**
     * A small VGG-style network: 3×3 conv → batch norm → ReLU → 2×2 max-pool stages (28 → 14 → 7 → 3
     * with the default three), then a classifier of fully connected layers with dropout.
     */
    static Module convnet(int in, int size, List<Integer> conv, List<Integer> fc, float dropout, int classes, Rng rng) {
        Sequential features = new Sequential();
        int prev = in, side = size;
        for (int i = 0; i < conv.size(); i++) {
            features.add(new Conv2d(prev, conv.get(i), 3, 1, 1, false, rng));
            features.add(new BatchNorm2d(conv.get(i)));
            features.add(new ReLU());
            prev = conv.get(i);
            features.add(new MaxPool2d(2));
            side /= 2;
        }
        Sequential classifier = new Sequential().add(new Flatten());
        int width = prev * side * side;
        for (int h : fc) {
            classifier.add(new Linear(width, h, true, rng));
            classifier.add(new ReLU());
            classifier.add(new Dropout(dropout, rng.fork(h)));
            width = h;
        }
        classifier.add(new Linear(width, classes, true, rng));
        return new Sequential().add("features", features).add("classifier", classifier);
    }

    /** Names of all reference models, for help texts. */
    public static List<String> names() {
        return new ArrayList<>(NAMES);
    }
}
