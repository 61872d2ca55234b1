package jprune.nn.infer;

import java.util.ArrayList;
import java.util.List;
import jprune.nn.Module;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.nn.layers.BatchNorm2d;
import jprune.nn.layers.Conv2d;
import jprune.nn.layers.Dropout;
import jprune.nn.layers.Flatten;
import jprune.nn.layers.Linear;
import jprune.nn.layers.MaxPool2d;
import jprune.nn.layers.ReLU;
import jprune.nn.layers.Sequential;
import jprune.nn.models.VisionTransformer;
import jprune.tensor.DirectConv;
import jprune.tensor.Epilogue;
import jprune.tensor.IndirectConv;
import jprune.tensor.LinearForward;
import jprune.tensor.Tensor;

/**
 * Turns a model's layers, in the order a {@link Sequential} runs them, into {@link Step}s: a
 * convolution takes the batch norm, ReLU and 2×2 max pooling after it into its epilogue, a linear
 * layer the ReLU after it; dropout (identity in evaluation) and flatten (a change of view) vanish;
 * a vision transformer becomes one fused step ({@link VitStep}); anything else runs as itself
 * ({@link ModuleStep}). Each step writes its output in the layout the
 * next one reads (with the padding the next convolution needs), so no step copies data around
 * except where nothing can write the needed layout ({@link RelayoutStep}).
 */
final class PlanBuilder {
    private final List<Step> steps = new ArrayList<>();
    private Activation cur;

    private PlanBuilder(Activation input) {
        this.cur = input;
    }

    /** The steps computing model on inputs shaped like input (channel-first, unpadded), ending in a natural flat row. */
    static List<Step> build(Module model, int channels, int height, int width) {
        List<Module> layers = new ArrayList<>();
        flatten(model, layers);
        PlanBuilder b = new PlanBuilder(Activation.map(channels, height, width, false, 0));
        for (int i = 0; i < layers.size(); ) i = b.add(layers, i);
        if (!b.cur.flat() && !b.cur.natural()) b.relayout(b.cur.naturalForm());
        return b.steps;
    }

    /** Sequential containers open up; dropout is the identity in evaluation mode; everything else is a layer. */
    private static void flatten(Module m, List<Module> out) {
        if (m instanceof Sequential) {
            for (Module c : m.children().values()) flatten(c, out);
        } else if (!(m instanceof Dropout)) {
            out.add(m);
        }
    }

    /** Adds the step(s) for layers[i] and whatever it fuses; returns the index of the next layer. */
    private int add(List<Module> layers, int i) {
        Module m = layers.get(i);
        String name = m.getClass().getSimpleName();
        if (m instanceof Conv2d c && !cur.flat() && cur.c() == c.inChannels()) return conv(layers, i, c);
        if (m instanceof Linear l && cur.flat() && cur.features() == l.inFeatures())
            return linear(layers, i, l.weight().value().data(), l.bias() == null ? null : l.bias().value().data(), l.outFeatures(), "linear");
        if (m instanceof FlatLayer f && cur.flat() && cur.features() == f.inFeatures() && f.denseWeight() != null)
            return linear(layers, i, f.denseWeight(), f.bias(), f.outFeatures(), name + " (dense)");
        if (m instanceof Flatten) {
            if (!cur.flat()) {
                if (!cur.natural()) relayout(cur.naturalForm());
                cur = Activation.flat(cur.features(), cur.features());
            }
            return i + 1;
        }
        if (m instanceof ReLU) {
            steps.add(new ReluStep(cur));
            return i + 1;
        }
        if (m instanceof VisionTransformer vit && VitStep.fits(vit, cur)) {
            int classes = vit.head().outFeatures();
            Activation out = Activation.flat(classes, LinearForward.paddedWidth(classes));
            steps.add(new VitStep(cur, out, vit));
            cur = out;
            return i + 1;
        }
        if (m instanceof FlatLayer f && cur.flat() && cur.features() == f.inFeatures()) {
            boolean relu = i + 1 < layers.size() && layers.get(i + 1) instanceof ReLU;
            Activation out = Activation.flat(f.outFeatures(), f.outFeatures());
            steps.add(new FlatLayerStep(cur, out, f, relu, name + " " + f.inFeatures() + "→" + f.outFeatures()));
            cur = out;
            return i + (relu ? 2 : 1);
        }
        module(m, name);
        return i + 1;
    }

    /** A linear layer (weight [out][in]) and the ReLU after it, as one step. */
    private int linear(List<Module> layers, int i, float[] weight, float[] bias, int outFeatures, String what) {
        boolean relu = i + 1 < layers.size() && layers.get(i + 1) instanceof ReLU;
        Activation out = Activation.flat(outFeatures, LinearForward.paddedWidth(outFeatures));
        steps.add(new LinearStep(cur, out, weight, outFeatures, Epilogue.of(outFeatures, bias, null, null, relu),
                what + " " + cur.features() + "→" + outFeatures + (relu ? " + relu" : "")));
        cur = out;
        return i + (relu ? 2 : 1);
    }

    /** A convolution and the batch norm, ReLU and 2×2 max pooling that follow it, as one step. */
    private int conv(List<Module> layers, int i, Conv2d c) {
        int next = i + 1;
        float[] scale = null, shift = null;
        if (next < layers.size() && layers.get(next) instanceof BatchNorm2d bn && bn.channels() == c.outChannels()) {
            float[][] affine = Epilogue.batchNormAffine(bn.weight().value().data(), bn.bias().value().data(),
                    bn.runningMean().data(), bn.runningVar().data(), bn.eps());
            scale = affine[0];
            shift = affine[1];
            next++;
        }
        boolean relu = next < layers.size() && layers.get(next) instanceof ReLU;
        if (relu) next++;
        boolean pool = next < layers.size() && layers.get(next) instanceof MaxPool2d mp && mp.kernel() == 2 && mp.stride() == 2 && mp.padding() == 0;
        if (pool) next++;
        int k = c.kernel(), s = c.stride(), p = c.padding(), oc = c.outChannels();
        int oh = (cur.h() + 2 * p - k) / s + 1, ow = (cur.w() + 2 * p - k) / s + 1;
        if (pool && (oh < 2 || ow < 2)) {
            pool = false;
            next--;
        }
        int storedH = pool ? oh / 2 : oh, storedW = pool ? ow / 2 : ow;
        int outPad = padOfNextConv(layers, next);
        Epilogue epilogue = Epilogue.of(oc, c.bias() == null ? null : c.bias().value().data(), scale, shift, relu);
        String what = "conv " + c.inChannels() + "→" + oc + " " + k + "×" + k + (scale != null ? " + batch norm" : "") + (relu ? " + relu" : "") + (pool ? " + max pool" : "");
        float[] w = c.weight().value().data();
        if (pool && DirectConv.fits(ow, s) && directIsBetter(oc, ow)) {
            // Reads a channel-first padded buffer with slack: never the caller's array itself.
            if (steps.isEmpty() || cur.channelLast() && cur.c() > 1 || cur.pad() != p) relayout(Activation.map(cur.c(), cur.h(), cur.w(), false, p));
            DirectConv.Plan plan = DirectConv.plan(cur.c(), cur.h(), cur.w(), p, oc, k, outPad);
            Activation out = Activation.map(oc, storedH, storedW, false, outPad);
            steps.add(new DirectConvStep(cur, out, plan, w, epilogue, what));
            cur = out;
        } else {
            if (cur.pad() != p) relayout(Activation.map(cur.c(), cur.h(), cur.w(), cur.channelLast(), p));
            boolean channelLast = cur.channelLast() || cur.c() == 1;
            // Channel-last feeds the next convolution's vectors; anything else gets PyTorch's order.
            boolean lastOut = next < layers.size() && layers.get(next) instanceof Conv2d;
            IndirectConv.Plan plan = IndirectConv.plan(channelLast, cur.c(), cur.h(), cur.w(), p, oc, k, s, pool, lastOut, outPad);
            Activation out = Activation.map(oc, storedH, storedW, lastOut, outPad);
            steps.add(new ConvStep(cur, out, plan, w, epilogue, what));
            cur = out;
        }
        return next;
    }

    /**
     * Lanes doing useful work: the direct kernel fills an output row's two vectors and blocks of 6
     * filters; the indirect one fills vectors of output channels.
     */
    private static boolean directIsBetter(int oc, int ow) {
        int lanes = IndirectConv.lanes();
        double direct = ow / (2.0 * lanes) * oc / (Math.ceil(oc / 6.0) * 6);
        double indirect = oc / (Math.ceil((double) oc / lanes) * lanes);
        return direct > indirect;
    }

    /** The padding the convolution reading layers[next] will need (after layers that keep the layout), else 0. */
    private static int padOfNextConv(List<Module> layers, int next) {
        return next < layers.size() && layers.get(next) instanceof Conv2d c ? c.padding() : 0;
    }

    /** A module the plan has no kernel for: fed PyTorch's layout, its output shape found by running it once. */
    private void module(Module m, String name) {
        if (!cur.natural()) relayout(cur.naturalForm());
        int[] inShape = cur.flat() ? new int[] {cur.features()} : new int[] {cur.c(), cur.h(), cur.w()};
        int[] probe = new int[inShape.length + 1];
        probe[0] = 1;
        System.arraycopy(inShape, 0, probe, 1, inShape.length);
        int[] outShape;
        try (var g = GradMode.noGrad()) {
            outShape = m.forward(Variable.constant(Tensor.zeros(probe))).shape();
        }
        Activation out;
        if (outShape.length == 4) out = Activation.map(outShape[1], outShape[2], outShape[3], false, 0);
        else {
            int n = 1;
            for (int d = 1; d < outShape.length; d++) n *= outShape[d];
            out = Activation.flat(n, n);
        }
        steps.add(new ModuleStep(cur, out, m, inShape, name));
        cur = out;
    }

    private void relayout(Activation to) {
        steps.add(new RelayoutStep(cur, to));
        cur = to;
    }
}
