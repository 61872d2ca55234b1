package jprune.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jprune.deploy.format.WeightFormats;
import jprune.deploy.format.WeightMatrix;
import jprune.nn.Module;
import jprune.nn.infer.InferencePlan;
import jprune.nn.layers.Conv2d;
import jprune.nn.layers.Flatten;
import jprune.nn.layers.Sequential;
import jprune.tensor.Rng;
import jprune.tensor.Timing;

/**
 * Picks a layer's in-memory format by timing every format that can hold it, on this machine, at the
 * shape the layer runs at: dense, CSR, bitmask, sliced ELL, N:M (when the weight is N:M) and block-sparse (when
 * its nonzeros fill the blocks well). The fastest at batch 1 (latency) or at the serving batch
 * (throughput) wins; ties within 3% go to the smaller format. Every candidate's timing is kept,
 * so the choice can be explained.
 */
public final class FormatChooser {
    /** What to minimise. */
    public enum Goal { LATENCY, THROUGHPUT }

    /** One candidate's figures: bytes, and microseconds per product at batch 1 and at the serving batch. */
    public record Candidate(String format, long bytes, double microsBatch1, double microsBatchN) {}

    /** The winner, every candidate, and a sentence saying why. */
    public record Choice(WeightMatrix matrix, List<Candidate> candidates, String reason) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("format", matrix.format());
            m.put("bytes", matrix.bytes());
            m.put("reason", reason);
            List<Object> cs = new ArrayList<>();
            for (Candidate t : candidates) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("format", t.format());
                c.put("bytes", t.bytes());
                c.put("us_batch1", t.microsBatch1());
                c.put("us_batch_n", t.microsBatchN());
                cs.add(c);
            }
            m.put("candidates", cs);
            return m;
        }
    }

    /** Formats that hold any sparsity pattern, tried for every weight with a zero. */
    static final List<String> UNSTRUCTURED = List.of("csr", "bitmask", "sell");
    /** N:M patterns tried (the first the weight satisfies is timed) and block shapes tried. */
    static final List<String> NM = List.of("1:8", "1:4", "2:8", "2:4", "4:8");   // fewest stored slots first
    static final List<String> BLOCKS = List.of("block4x4", "block8x8", "block1x16", "block16x1", "block2x2");
    /** A block format is a candidate only if stored blocks are at least this full. */
    static final double MIN_BLOCK_FILL = 0.75;

    /** Longest first-use warm-up per format and batch: Vector API kernels can need a second of calls before C2 has compiled them. */
    static final long WARM_UP_CAP_NANOS = 4_000_000_000L;
    /** Calls at batch 1 before a timing counts (a tenth of that at the serving batch): past C2's invocation thresholds. */
    static final int WARM_UP_CALLS = 6000;

    /**
     * Times the candidates' products at one batch size; the chooser's only contact with the clock, so
     * a test can hand it a fake and check which format wins.
     */
    @FunctionalInterface
    public interface Timer {
        /**
         * Microseconds per call of each product, in the order given.
         *
         * @param formats the candidates' format names, in the order of products
         * @param columns columns of the product (1 at batch 1 for a linear layer)
         * @param batch1 whether these are the batch-1 products (else the serving batch's)
         */
        double[] micros(List<String> formats, List<Runnable> products, int columns, boolean batch1);
    }

    private final Goal goal;
    private final Timer timer;
    /** Base format names (no "-int8") never offered as candidates. */
    private final java.util.Set<String> excluded;

    /** @param budgetMillis rough time to spend timing each candidate */
    public FormatChooser(Goal goal, double budgetMillis) {
        this(goal, measured(budgetMillis));
    }

    /** A chooser that takes its timings from the given timer. */
    public FormatChooser(Goal goal, Timer timer) {
        this(goal, timer, java.util.Set.of());
    }

    private FormatChooser(Goal goal, Timer timer, java.util.Set<String> excluded) {
        this.goal = goal;
        this.timer = timer;
        this.excluded = excluded;
    }

    /**
     * This chooser without the given formats among its candidates (base names such as "sell"), for a
     * caller that cannot store or run them; dense is always a candidate.
     */
    public FormatChooser excluding(String... formats) {
        java.util.Set<String> all = new java.util.HashSet<>(excluded);
        for (String f : formats) {
            if (f.equals("dense")) throw new IllegalArgumentException("dense is always a candidate");
            all.add(f);
        }
        return new FormatChooser(goal, timer, java.util.Set.copyOf(all));
    }

    /**
     * The real timer: warms each product up until its time per call is steady, then times all of
     * them in interleaved rounds, spending roughly budgetMillis on each.
     */
    public static Timer measured(double budgetMillis) {
        return (formats, products, columns, batch1) -> {
            for (Runnable p : products) {
                // Vector API code runs a hundred to a thousand times slower until C2 compiles it, and a new
                // shape can send a kernel back to the interpreter: run each candidate until it is steady.
                Timing.warmUntilSteady(p, WARM_UP_CAP_NANOS, batch1 ? WARM_UP_CALLS : WARM_UP_CALLS / 10);
            }
            return Timing.interleavedMedianMicros(products, budgetMillis);
        };
    }

    /**
     * @param columnsBatch1 columns of one sample's product: 1 for a linear layer, output positions for a convolution
     * @param columnsBatchN columns at the serving batch
     */
    public Choice choose(float[] dense, int rows, int cols, boolean int8, int columnsBatch1, int columnsBatchN) {
        List<WeightMatrix> candidates = candidates(dense, rows, cols, int8);
        float[] x1 = input(cols * columnsBatch1), xn = input(cols * columnsBatchN);
        float[] y1 = new float[rows * columnsBatch1], yn = new float[rows * columnsBatchN];
        List<Runnable> batch1 = new ArrayList<>(), batchN = new ArrayList<>();
        for (WeightMatrix m : candidates) {
            if (columnsBatch1 == 1) {
                // A linear layer: timed as the compressed model's plan runs it (samples of the batch at once).
                batch1.add(asPlanRuns(m, x1, 1, y1));
                batchN.add(asPlanRuns(m, xn, columnsBatchN, yn));
            } else {
                batch1.add(() -> product(m, x1, columnsBatch1, y1));
                batchN.add(() -> product(m, xn, columnsBatchN, yn));
            }
        }
        return pick(candidates, batch1, batchN, columnsBatch1, columnsBatchN, dense);
    }

    /**
     * A convolution's weight (conv's, with the given values), each candidate timed as a compressed model
     * runs it ({@link SparseSurgery}): a dense matrix as the convolution's own weight through the
     * inference plan's convolution kernels, a sparse one as a {@link SparseConv2d} (im2col and the
     * format's product), on one sample of channels × height × width and on servingBatch of them.
     * Timed as bare products, a dense weight lost to CSR where the model then ran it as a convolution.
     */
    public Choice chooseConvolution(Conv2d conv, float[] dense, boolean int8, int channels, int height, int width, int servingBatch) {
        int rows = conv.outChannels(), cols = conv.inChannels() * conv.kernel() * conv.kernel();
        List<WeightMatrix> candidates = candidates(dense, rows, cols, int8);
        List<Runnable> batch1 = new ArrayList<>(), batchN = new ArrayList<>();
        int positions = 0;
        for (WeightMatrix m : candidates) {
            Conv2d copy = new Conv2d(conv.inChannels(), conv.outChannels(), conv.kernel(), conv.stride(), conv.padding(), conv.bias() != null, new Rng(0));
            if (conv.bias() != null) System.arraycopy(conv.bias().value().data(), 0, copy.bias().value().data(), 0, rows);
            Module layer = SparseSurgery.apply(new Sequential().add(copy), Map.of("0.weight", m));
            InferencePlan plan = InferencePlan.compile(layer, channels, height, width);
            positions = plan.outputSize() / rows;
            batch1.add(planRun(plan, 1));
            batchN.add(planRun(plan, servingBatch));
        }
        return pick(candidates, batch1, batchN, positions, positions * servingBatch, dense);
    }

    /** Every format that can hold the weight: dense, and if it has zeros CSR, bitmask, sliced ELL, the sparsest N:M it fits, and well-filled blocks. */
    private List<WeightMatrix> candidates(float[] dense, int rows, int cols, boolean int8) {
        List<WeightMatrix> candidates = new ArrayList<>();
        candidates.add(WeightFormats.encode("dense", dense, rows, cols, int8));
        long nnz = nonzeros(dense);
        if (nnz < (long) rows * cols) {
            for (String f : UNSTRUCTURED) if (!excluded.contains(f)) candidates.add(WeightFormats.encode(f, dense, rows, cols, int8));
            for (String nm : NM) {
                if (excluded.contains(nm)) continue;
                try {
                    candidates.add(WeightFormats.encode(nm, dense, rows, cols, int8));
                    break;
                } catch (IllegalArgumentException notNm) {
                    // the weight is not this N:M pattern
                }
            }
            for (String b : BLOCKS) {
                if (excluded.contains(b)) continue;
                WeightMatrix m = WeightFormats.encode(b, dense, rows, cols, int8);
                if (nnz > 0 && (double) nnz / m.nonzeros() >= MIN_BLOCK_FILL) candidates.add(m);
            }
        }
        return candidates;
    }

    private static long nonzeros(float[] dense) {
        long nnz = 0;
        for (float v : dense) if (v != 0f) nnz++;
        return nnz;
    }

    /** Times the candidates' runs at both batches and keeps the fastest for the goal (ties within 3% to the smaller). */
    private Choice pick(List<WeightMatrix> candidates, List<Runnable> batch1, List<Runnable> batchN, int columnsBatch1, int columnsBatchN, float[] dense) {
        List<String> formats = candidates.stream().map(WeightMatrix::format).toList();
        double[] t1 = timer.micros(formats, batch1, columnsBatch1, true), tn = timer.micros(formats, batchN, columnsBatchN, false);
        if (t1.length != candidates.size() || tn.length != candidates.size())
            throw new IllegalStateException("timer returned " + t1.length + " and " + tn.length + " timings for " + candidates.size() + " candidates");
        List<Candidate> timings = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) timings.add(new Candidate(candidates.get(i).format(), candidates.get(i).bytes(), t1[i], tn[i]));
        int best = 0;
        for (int i = 1; i < timings.size(); i++) {
            double a = cost(timings.get(i)), b = cost(timings.get(best));
            boolean clearlyFaster = a < 0.97 * b, asFastAndSmaller = a <= 1.03 * b && timings.get(i).bytes() < timings.get(best).bytes();
            if (clearlyFaster || asFastAndSmaller) best = i;
        }
        Candidate w = timings.get(best), dense0 = timings.get(0);
        String reason = String.format(Locale.ROOT, "%s: %.1f µs at batch %s vs %s %.1f µs (%.2fx), %d bytes vs %d; density %.3f",
                w.format(), cost(w), goal == Goal.LATENCY ? "1" : "N", dense0.format(), cost(dense0), cost(dense0) / cost(w), w.bytes(), dense0.bytes(),
                (double) nonzeros(dense) / dense.length);
        return new Choice(candidates.get(best), timings, reason);
    }

    private static Runnable planRun(InferencePlan plan, int batch) {
        float[] x = input(plan.inputSize() * batch), y = new float[plan.outputSize() * batch];
        return () -> plan.run(x, batch, y);
    }

    private double cost(Candidate t) {
        return goal == Goal.LATENCY ? t.microsBatch1() : t.microsBatchN();
    }

    /**
     * A linear layer's product as a compressed model runs it: the candidate in a {@link SparseLinear}
     * compiled into an {@link InferencePlan}, so a dense fp32 weight runs the plan's own dense kernel
     * ({@code LinearForward}, with its split of one sample's columns or of a batch's samples across
     * threads) rather than the dense format's product, which no compressed model runs. Before, the
     * chooser timed that slower product: for lenet-300-100's 300×784 layer at 8% density, dense at
     * 15.0 µs (batch 1) and 210 µs (batch 64) against CSR's 7.4 and 144.
     */
    private static Runnable asPlanRuns(WeightMatrix m, float[] x, int batch, float[] y) {
        InferencePlan plan = InferencePlan.compile(new Sequential().add(new Flatten()).add(new SparseLinear(m, null)), 1, 1, m.cols());
        return () -> plan.run(x, batch, y);
    }

    private static void product(WeightMatrix m, float[] x, int columns, float[] y) {
        if (columns == 1) m.multiplyVector(x, y);
        else m.multiplyBatch(x, columns, y);
    }

    private static float[] input(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i * 0.37) + 0.1f;   // any non-trivial, repeatable input
        return x;
    }
}
