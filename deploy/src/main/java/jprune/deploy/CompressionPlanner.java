package jprune.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.deploy.format.WeightFormats;
import jprune.deploy.io.CompressedModel;
import jprune.deploy.quant.SharedWeights;
import jprune.nn.Module;
import jprune.nn.Parameter;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.nn.layers.Conv2d;
import jprune.prune.Prunable;
import jprune.tensor.Tensor;

/**
 * Decides, for every linear and convolution weight of a model, how it is stored and which format it
 * runs in: the given format for all, or per layer the one {@link FormatChooser} measures fastest at
 * the shape the layer really runs at (one column per sample for a linear layer, one per output
 * position for a convolution, found by running a sample through the model).
 */
public final class CompressionPlanner {
    /** The plans to write and, per layer, what was chosen and why (for metrics). */
    public record Plan(Map<String, CompressedModel.WeightPlan> weights, List<Map<String, Object>> layers) {}

    private final CompressedModel.Storage storage;
    private final boolean entropy;
    private final String format;
    private final FormatChooser chooser;
    private final int servingBatch;

    /** @param format "auto" or a format name every layer takes */
    public CompressionPlanner(CompressedModel.Storage storage, boolean entropy, String format, FormatChooser.Goal goal, int servingBatch) {
        java.util.Objects.requireNonNull(storage, "storage");
        java.util.Objects.requireNonNull(format, "format");
        java.util.Objects.requireNonNull(goal, "goal");
        if (servingBatch < 1) throw new IllegalArgumentException("servingBatch must be >= 1, got " + servingBatch);
        if (!format.equals("auto")) WeightFormats.encode(format, new float[] {1f}, 1, 1, false);   // rejects unknown names early
        this.storage = storage;
        this.entropy = entropy;
        this.format = format;
        this.chooser = new FormatChooser(goal, 60);
        this.servingBatch = servingBatch;
    }

    /**
     * @param shared k-means shared weights by parameter name (storage KMEANS), else empty
     * @param sample one input sample, [1, C, H, W]
     */
    public Plan plan(Module model, Map<String, SharedWeights> shared, Tensor sample, java.io.PrintStream log) {
        Map<String, ConvInput> convInputs = convInputs(model, sample);
        Map<String, CompressedModel.WeightPlan> plans = new LinkedHashMap<>();
        List<Map<String, Object>> layers = new ArrayList<>();
        boolean int8 = storage == CompressedModel.Storage.INT8;
        for (Map.Entry<String, Parameter> e : Prunable.weights(model).entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            int rows = p.size(0), cols = p.numel() / rows;
            long nnz = 0;
            for (float v : p.value().data()) if (v != 0f) nnz++;
            Map<String, Object> layer = new LinkedHashMap<>();
            layer.put("name", name);
            layer.put("shape", List.of(rows, cols));
            layer.put("nonzeros", nnz);
            layer.put("density", (double) nnz / p.numel());
            String chosen = format;
            if (format.equals("auto")) {
                ConvInput in = convInputs.get(name);
                FormatChooser.Choice c = in == null ? chooser.choose(p.value().data(), rows, cols, int8, 1, servingBatch)
                        : chooser.chooseConvolution(in.conv(), p.value().data(), int8, in.channels(), in.height(), in.width(), servingBatch);
                chosen = baseName(c.matrix().format());
                layer.putAll(c.toMap());
                layer.put("format", chosen);
                if (log != null) log.println("  " + name + " → " + c.reason());
            } else {
                layer.put("format", format);
                layer.put("bytes", WeightFormats.encode(format, p.value().data(), rows, cols, int8).bytes());
                layer.put("reason", "given");
            }
            plans.put(name, new CompressedModel.WeightPlan(chosen, storage, shared.get(name), entropy));
            layers.add(layer);
        }
        return new Plan(plans, layers);
    }

    /** A format's name without the "-int8" suffix of its int8 variant (int8 is a flag of its own in the file). */
    static String baseName(String matrixFormat) {
        return matrixFormat.endsWith("-int8") ? matrixFormat.substring(0, matrixFormat.length() - 5) : matrixFormat;
    }

    /** A convolution and the shape of one sample's input to it. */
    record ConvInput(Conv2d conv, int channels, int height, int width) {}

    /** Each convolution's layer and its input shape for one sample (by weight name), found by running the sample. */
    static Map<String, ConvInput> convInputs(Module model, Tensor sample) {
        Map<String, ConvInput> out = new LinkedHashMap<>();
        List<AutoCloseable> hooks = new ArrayList<>();
        for (var e : model.namedModules().entrySet()) {
            if (e.getValue() instanceof Conv2d conv) {
                String name = e.getKey() + ".weight";
                hooks.add(conv.addForwardHook((mod, x, y) -> out.put(name, new ConvInput(conv, x.value().size(1), x.value().size(2), x.value().size(3)))));
            }
        }
        boolean training = model.isTraining();
        model.train(false);
        try (var g = GradMode.noGrad()) {
            model.forward(Variable.constant(sample));
        } finally {
            model.train(training);
            for (AutoCloseable h : hooks) {
                try {
                    h.close();
                } catch (Exception ignored) {
                    // removing a hook cannot fail
                }
            }
        }
        return out;
    }
}
