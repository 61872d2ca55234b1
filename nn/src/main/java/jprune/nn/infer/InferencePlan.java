package jprune.nn.infer;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import jprune.nn.Module;
import jprune.tensor.Parallel;
import jprune.tensor.Shape;
import jprune.tensor.Tensor;

/**
 * A model compiled for inference: what a deployment runtime such as ONNX Runtime makes of a model
 * when it loads it. Layers become {@link Step}s with their batch norm, ReLU and pooling fused in,
 * weights are copied once into the layouts the kernels stream, every buffer is allocated once per
 * thread and reused, activations move between layers in whatever layout the next kernel reads
 * (channel-last where vectors run over channels), and nothing records a graph.
 *
 * <p>A plan computes the model's evaluation-mode function (batch norm from running statistics,
 * dropout off) from a snapshot of its weights: compile again after changing them. Each output is the
 * same chain of rounding steps the layers compute, so logits equal {@link Module#forward}'s bit for
 * bit wherever the layers' GEMM does not take its dot-product route (and within float rounding
 * where it does); they do not depend on the batch a sample comes in or on the thread count.
 *
 * <p>A batch is split over threads by samples ({@link #PARALLEL_WORK}): one hand-off per call, not one
 * per layer, and none for small work. The threads take chunks of {@link #CHUNK} samples from a shared
 * counter, so a thread that another process delays takes fewer chunks instead of holding up the call
 * (a sample's result does not depend on who computes it). Within a thread, images run through the
 * convolution layers one at a time (their activations stay in the core's caches), and the fully
 * connected layers run on the chunk's samples together.
 *
 * <p>Thread-safe: each thread runs with its own buffers.
 */
public final class InferencePlan {
    /** Samples the fully connected layers take at once; bounds the per-thread buffers. */
    static final int GROUP = 64;
    /** Samples a thread takes at a time when a batch is split: one row tile of the linear layers' GEMM. */
    static final int CHUNK = 8;
    /**
     * Below this many multiply-adds a call stays on the calling thread: handing half a batch to the
     * pool's other thread costs a wake-up of several microseconds, and on a loaded machine it waits
     * until a core is free.
     */
    static final long PARALLEL_WORK = 1_000_000L;

    private final List<Step> steps;
    private final int spatial, channels, height, width, outputs;
    private final long workPerSample;
    private final ThreadLocal<Workspace> workspaces;

    private InferencePlan(List<Step> steps, int channels, int height, int width) {
        this.steps = List.copyOf(steps);
        this.channels = channels;
        this.height = height;
        this.width = width;
        int s = 0;
        while (s < steps.size() && !steps.get(s).in.flat()) s++;
        this.spatial = s;
        this.outputs = steps.isEmpty() ? channels * height * width : steps.getLast().out.features();
        long w = 0;
        for (Step st : steps) w += st.work();
        this.workPerSample = w;
        this.workspaces = ThreadLocal.withInitial(() -> new Workspace(this.steps, spatial, GROUP));
    }

    /**
     * Compiles model for inputs of channels × height × width per sample. The model's modules and
     * weights are read now; later changes to them do not reach the plan.
     */
    public static InferencePlan compile(Module model, int channels, int height, int width) {
        if (channels < 1 || height < 1 || width < 1)
            throw new IllegalArgumentException("input must be at least 1×1×1 per sample, got " + channels + "×" + height + "×" + width);
        boolean training = model.isTraining();
        model.train(false);
        try {
            return new InferencePlan(PlanBuilder.build(model, channels, height, width), channels, height, width);
        } finally {
            model.train(training);
        }
    }

    /** Outputs per sample (logits). */
    public int outputSize() {
        return outputs;
    }

    /** Floats per input sample. */
    public int inputSize() {
        return channels * height * width;
    }

    /**
     * Writes batch × {@link #outputSize()} outputs into y from batch samples in x (channel-first,
     * as the model takes them). x and y may be longer than needed.
     */
    public void run(float[] x, int batch, float[] y) {
        int in = inputSize();
        if (batch < 0) throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        if ((long) batch * in > x.length) throw new IllegalArgumentException("x has " + x.length + " floats, a batch of " + batch + " needs " + (long) batch * in);
        if ((long) batch * outputs > y.length) throw new IllegalArgumentException("y has " + y.length + " floats, a batch of " + batch + " gives " + (long) batch * outputs);
        int threads = Math.min(Parallel.threads(), (batch + CHUNK - 1) / CHUNK);
        if (threads > 1 && workPerSample * batch >= PARALLEL_WORK && !Parallel.inWorker()) {
            AtomicInteger next = new AtomicInteger();
            Parallel.forRange(threads, 1, (t, a, b) -> {
                for (int s; (s = next.getAndAdd(CHUNK)) < batch; ) runRange(x, s, Math.min(batch, s + CHUNK), y);
            });
        } else {
            runRange(x, 0, batch, y);
        }
    }

    /** The outputs for a [batch, channels, height, width] tensor, as [batch, outputs]. */
    public Tensor forward(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != channels || s[2] != height || s[3] != width)
            throw new IllegalArgumentException("input has shape " + Shape.str(s) + ", the plan takes [N, " + channels + ", " + height + ", " + width + "]");
        float[] y = new float[s[0] * outputs];
        run(x.data(), s[0], y);
        return Tensor.of(y, s[0], outputs);
    }

    private void runRange(float[] x, int from, int to, float[] y) {
        if (steps.isEmpty()) {
            System.arraycopy(x, from * outputs, y, from * outputs, (to - from) * outputs);
            return;
        }
        Workspace ws = workspaces.get();
        int in = inputSize();
        Step last = steps.getLast();
        for (int g0 = from; g0 < to; g0 += GROUP) {
            int n = Math.min(GROUP, to - g0);
            float[] cur = x;
            int curOff = g0 * in;
            if (spatial > 0) {
                for (int i = 0; i < n; i++) {
                    float[] a = x;
                    int aOff = (g0 + i) * in;
                    for (int s = 0; s < spatial; s++) {
                        Step st = steps.get(s);
                        int bOff = s == spatial - 1 ? i * st.out.size() : 0;
                        st.run(a, aOff, ws.outputs[s], bOff, 1, ws, s);
                        a = ws.outputs[s];
                        aOff = bOff;
                    }
                }
                cur = ws.outputs[spatial - 1];
                curOff = 0;
            }
            for (int s = spatial; s < steps.size(); s++) {
                steps.get(s).run(cur, curOff, ws.outputs[s], 0, n, ws, s);
                cur = ws.outputs[s];
                curOff = 0;
            }
            int stride = last.out.size();
            for (int r = 0; r < n; r++) System.arraycopy(cur, r * stride, y, (g0 + r) * outputs, outputs);
        }
    }

    /** Multiply-adds per sample the kernels issue (padding included). */
    public long workPerSample() {
        return workPerSample;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("InferencePlan[");
        for (int i = 0; i < steps.size(); i++) b.append(i == 0 ? "" : ", ").append(steps.get(i).describe());
        return b.append(']').toString();
    }
}
