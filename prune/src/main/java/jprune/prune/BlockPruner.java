package jprune.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Parameter;
import jprune.tensor.Tensor;

/**
 * Removes rectangular blocks of a weight's matrix view (output rows × flattened inputs), per layer or
 * in one global ranking ({@link MaskRanking}). A block's score is the mean of its weights' criterion
 * scores, so edge blocks (smaller, where the shape is not a multiple of the block) rank fairly; a
 * block survives while any of its weights does. 1×1 blocks are unstructured pruning, whose counts
 * follow torch.nn.utils.prune: round(sparsity × size), rounding half to even as Python does. The
 * sparsity counts blocks, so with edge blocks the weight sparsity differs slightly.
 */
public final class BlockPruner implements Pruner {
    private final int rows, cols;

    public BlockPruner(int rows, int cols) {
        if (rows < 1 || cols < 1) throw new IllegalArgumentException("a block RxC needs R, C >= 1, got " + rows + "x" + cols);
        this.rows = rows;
        this.cols = cols;
    }

    /** Parses "RxC" (e.g. "4x4", "1x8"). */
    public static BlockPruner parse(String s) {
        String[] parts = s.split("x");
        try {
            if (parts.length == 2) return new BlockPruner(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("a block must look like RxC with R, C >= 1 (e.g. 4x4, 1x8), got '" + s + "'");
    }

    public String describe() {
        return rows + "x" + cols;
    }

    @Override
    public Map<String, Integer> prune(Map<String, Parameter> params, Criterion criterion, PruneSpec spec) {
        List<String> names = new ArrayList<>();
        List<Parameter> targets = new ArrayList<>();
        List<MaskRanking.Layer> layers = new ArrayList<>();
        params.forEach((name, p) -> {
            if (spec.kept(name)) return;
            names.add(name);
            targets.add(p);
            layers.add(blocks(name, p, criterion.score(name, p).data()));
        });
        MaskRanking.apply(layers, spec);
        Map<String, Integer> masked = new LinkedHashMap<>();
        for (int l = 0; l < targets.size(); l++) {
            float[] mask = expand(targets.get(l), layers.get(l).mask());
            targets.get(l).setMask(Tensor.of(mask, targets.get(l).shape()));
            int z = 0;
            for (float m : mask) if (m == 0f) z++;
            masked.put(names.get(l), z);
        }
        return masked;
    }

    private boolean unstructured() {
        return rows == 1 && cols == 1;
    }

    private static float[] currentMask(Parameter p) {
        if (p.hasMask()) return p.mask().data().clone();
        float[] m = new float[p.numel()];
        java.util.Arrays.fill(m, 1f);
        return m;
    }

    /** The layer's blocks: mean scores, and alive while any weight in them is. */
    private MaskRanking.Layer blocks(String name, Parameter p, float[] score) {
        float[] mask = currentMask(p);
        if (unstructured()) return new MaskRanking.Layer(name, score, mask);
        int height = p.size(0), width = p.numel() / height;
        int br = ceilDiv(height, rows), bc = ceilDiv(width, cols);
        float[] blockScore = new float[br * bc], blockMask = new float[br * bc];
        for (int b = 0; b < br * bc; b++) {
            int r0 = (b / bc) * rows, c0 = (b % bc) * cols, r1 = Math.min(height, r0 + rows), c1 = Math.min(width, c0 + cols);
            double sum = 0;
            boolean alive = false;
            for (int r = r0; r < r1; r++) {
                for (int c = c0; c < c1; c++) {
                    sum += score[r * width + c];
                    alive |= mask[r * width + c] != 0f;
                }
            }
            blockScore[b] = (float) (sum / ((r1 - r0) * (c1 - c0)));
            blockMask[b] = alive ? 1f : 0f;
        }
        return new MaskRanking.Layer(name, blockScore, blockMask);
    }

    /** The weight mask: the old one, with every removed block zeroed. */
    private float[] expand(Parameter p, float[] blockMask) {
        if (unstructured()) return blockMask;
        float[] mask = currentMask(p);
        int height = p.size(0), width = p.numel() / height, bc = ceilDiv(width, cols);
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++)
                if (blockMask[(r / rows) * bc + c / cols] == 0f) mask[r * width + c] = 0f;
        return mask;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
