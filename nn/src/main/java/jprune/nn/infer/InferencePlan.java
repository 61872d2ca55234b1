package jprune.nn.infer;

import java.util.List;
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
 * per layer, and none for small work. The threads take chunks of samples from a shared counter (as
 * few samples as the steps allow: a row tile of the linear kernel, or a thread's whole share when a
 * weight too large for the cache would stream once per chunk), and the calling thread finishes alone
 * what a helper that another process delays has not ({@link Job}): a sample's result does not depend
 * on who computes it. A sparse layer's kernels vectorise over the batch and split the weight's rows
 * over threads themselves, so a plan with one whose weight is too large for the cache
 * ({@link #LAYER_FANOUT_NONZEROS}) runs on the calling thread and leaves the split to them; with
 * smaller sparse layers the batch is split by samples as for dense plans (compressed lenet-300-100 at
 * batch 64 on two threads: 0.264 ms whole on one, 0.116-0.119 ms split), and where it is not split
 * (batch 1) such a layer alone stays on the calling thread, while the convolutions before it still
 * split their own work; so does a small {@link SparseLayer} the plan runs as a module. Within a thread,
 * images run through the convolution layers one at a time (their activations stay in the core's
 * caches), and the fully connected layers run on the chunk's samples together, as does a module
 * fallback with weights and everything after it ({@link Step#runsOnGroups()}).
 *
 * <p>Thread-safe: each thread runs with its own buffers.
 */
public final class InferencePlan {
    /** Samples the fully connected layers take at once; bounds the per-thread buffers. */
    static final int GROUP = 64;
    /**
     * {@link Step#rowsPerChunk()} of a step that wants the whole batch: the plan then runs on the
     * calling thread and lets that step's kernel split its own work.
     */
    static final int WHOLE = Integer.MAX_VALUE;
    /**
     * A sparse layer with fewer nonzeros than this stays on the calling thread even when its kernel
     * would split its rows: its weight (at most about 1.5 MB in CSR) is read from the core's caches,
     * and splitting costs more than it saves. Measured on lenet-300-100 compressed to 10% (19k
     * nonzeros in CSR, 300 × 784): batch 64 took 0.116 ms on one thread, 0.177 ms with its rows split.
     * Beyond, a product streams its weight from memory and a second thread adds bandwidth.
     */
    static final long LAYER_FANOUT_NONZEROS = 256 * 1024;
    /**
     * Below this many multiply-adds a call stays on the calling thread. Handing work to the pool's
     * other thread and back took 13 µs (median of 20,000 empty round trips, 2 threads, this machine
     * under its usual load), and the kernels run 20 to 80 G multiply-adds a second on one core
     * (lenet-300-100 at batch 1 to lenet-5's convolutions), so a million (12 to 50 µs of work) is
     * about where splitting can save more than the hand-off costs.
     */
    static final long PARALLEL_WORK = 1_000_000L;

    private final List<Step> steps;
    private final int spatial, channels, height, width, outputs;
    private final long workPerSample;
    private final int chunk, minChunk;
    private final boolean layerFanOut;
    private final ThreadLocal<Workspace> workspaces;

    private InferencePlan(List<Step> steps, int channels, int height, int width) {
        this.steps = List.copyOf(steps);
        this.channels = channels;
        this.height = height;
        this.width = width;
        int s = 0;
        while (s < steps.size() && !steps.get(s).in.flat() && !steps.get(s).runsOnGroups()) s++;
        this.spatial = s;
        this.outputs = steps.isEmpty() ? channels * height * width : steps.getLast().out.features();
        long w = 0;
        for (Step st : steps) w += st.work();
        this.workPerSample = w;
        int c = 1, min = 1;
        long most = -1;
        for (Step st : steps) {
            c = Math.max(c, st.rowsPerChunk());
            if (st.work() > most) {
                most = st.work();
                min = st.minRowsPerChunk();
            }
        }
        this.chunk = c;
        boolean fanOut = false;
        for (Step st : steps) fanOut |= st instanceof FlatLayerStep && st.work() >= LAYER_FANOUT_NONZEROS;
        this.layerFanOut = fanOut;
        // The step doing most of the work decides how few samples a thread should take at once.
        this.minChunk = min;
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
        if ((long) batch * in > x.length)
            throw new IllegalArgumentException("x has " + x.length + " floats, a batch of " + batch + " needs " + (long) batch * in);
        if ((long) batch * outputs > y.length)
            throw new IllegalArgumentException("y has " + y.length + " floats, a batch of " + batch + " gives " + (long) batch * outputs);
        if (steps.isEmpty()) {
            System.arraycopy(x, 0, y, 0, batch * outputs);
            return;
        }
        int threads = Math.min(Parallel.threads(), batch);
        int size = Math.max(minChunk, Math.min(Math.min(chunk, GROUP), (batch + threads - 1) / threads));
        if (threads > 1 && size < batch && (chunk < WHOLE || !layerFanOut) && workPerSample * batch >= PARALLEL_WORK && !Parallel.inWorker()) {
            // Shared out in chunks: a helper another process preempts mid-chunk does not hold the caller (Parallel.share).
            int chunks = (batch + size - 1) / size;
            Parallel.share(chunks, c -> {
                int from = c * size, n = Math.min(batch, from + size) - from;
                float[] out = compute(workspaces.get(), x, from, n);
                return () -> store(out, from, n, y);
            });
        } else {
            serial(x, batch, y);
        }
    }

    private void serial(float[] x, int batch, float[] y) {
        Workspace ws = workspaces.get();
        for (int g0 = 0; g0 < batch; g0 += GROUP) {
            int n = Math.min(GROUP, batch - g0);
            store(compute(ws, x, g0, n), g0, n, y);
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

    /**
     * Samples [g0, g0 + n), n ≤ {@link #GROUP}, through every step on this thread's buffers; returns
     * the buffer holding their outputs, one row of the last step's size per sample.
     */
    private float[] compute(Workspace ws, float[] x, int g0, int n) {
        int in = inputSize();
        float[] cur = x;
        int curOff = g0 * in;
        if (spatial > 0) {
            for (int i = 0; i < n; i++) {
                float[] a = x;
                int aOff = (g0 + i) * in;
                for (int s = 0; s < spatial; s++) {
                    Step st = steps.get(s);
                    int bOff = s == spatial - 1 ? i * st.out.size() : 0;
                    run(st, a, aOff, ws.outputs[s], bOff, 1, ws, s);
                    a = ws.outputs[s];
                    aOff = bOff;
                }
            }
            cur = ws.outputs[spatial - 1];
            curOff = 0;
        }
        for (int s = spatial; s < steps.size(); s++) {
            run(steps.get(s), cur, curOff, ws.outputs[s], 0, n, ws, s);
            cur = ws.outputs[s];
            curOff = 0;
        }
        return cur;
    }

    /** Runs one step, as a chunk where it keeps its kernels on this thread ({@link Step#serial}). */
    private static void run(Step st, float[] x, int xOff, float[] y, int yOff, int count, Workspace ws, int index) {
        if (st.serial(count)) Parallel.runAsChunk(() -> st.run(x, xOff, y, yOff, count, ws, index));
        else st.run(x, xOff, y, yOff, count, ws, index);
    }

    private void store(float[] out, int g0, int n, float[] y) {
        int stride = steps.getLast().out.size();
        for (int r = 0; r < n; r++) System.arraycopy(out, r * stride, y, (g0 + r) * outputs, outputs);
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
