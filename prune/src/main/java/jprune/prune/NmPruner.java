package jprune.prune;

import java.util.LinkedHashMap;
import java.util.Map;
import jprune.nn.Parameter;
import jprune.tensor.Tensor;

/**
 * N:M semi-structured sparsity: in every group of M consecutive weights along the input dimension
 * (the last dimensions of a weight, flattened: in for linear layers, in·kH·kW for convolutions),
 * the N with the highest scores survive, so the sparsity is 1 − N/M in every layer. Rows whose
 * length is not a multiple of M end in a shorter group that keeps min(N, its length) weights.
 * Weights pruned earlier stay pruned (they lose every tie). The spec's sparsity is implied and
 * ignored; kept layers stay dense.
 */
public final class NmPruner implements Pruner {
    private final int n, m;

    public NmPruner(int n, int m) {
        if (m < 2 || n < 1 || n >= m) throw new IllegalArgumentException("N:M sparsity needs 1 <= N < M and M >= 2, got " + n + ":" + m);
        this.n = n;
        this.m = m;
    }

    public int n() {
        return n;
    }

    public int m() {
        return m;
    }

    /** The sparsity N:M implies. */
    public double sparsity() {
        return 1.0 - (double) n / m;
    }

    /** Parses "N:M" (e.g. "2:4"). */
    public static NmPruner parse(String s) {
        String[] parts = s.split(":");
        if (parts.length != 2) throw new IllegalArgumentException("N:M granularity must look like 2:4, got '" + s + "'");
        try {
            return new NmPruner(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("N:M granularity must look like 2:4, got '" + s + "'");
        }
    }

    @Override
    public Map<String, Integer> prune(Map<String, Parameter> params, Criterion criterion, PruneSpec spec) {
        Map<String, Integer> out = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            if (spec.kept(name)) return;
            float[] score = criterion.score(name, p).data();
            float[] mask = new float[p.numel()];
            float[] old = p.hasMask() ? p.mask().data() : null;
            int row = p.numel() / p.size(0), masked = 0;
            for (int r = 0; r < p.size(0); r++) {
                for (int g = 0; g < row; g += m) {
                    int len = Math.min(m, row - g), keep = Math.min(n, len), base = r * row + g;
                    masked += len - keep;
                    keepTop(score, old, mask, base, len, keep);
                }
            }
            p.setMask(Tensor.of(mask, p.shape()));
            out.put(name, masked);
        });
        return out;
    }

    /** Sets mask = 1 on the `keep` best entries of [base, base+len): previously pruned ones rank last, ties by position. */
    private static void keepTop(float[] score, float[] old, float[] mask, int base, int len, int keep) {
        for (int k = 0; k < keep; k++) {
            int best = -1;
            for (int i = base; i < base + len; i++) {
                if (mask[i] != 0f) continue;
                if (best < 0 || better(score, old, i, best)) best = i;
            }
            mask[best] = 1f;
        }
    }

    private static boolean better(float[] score, float[] old, int i, int j) {
        boolean ai = old == null || old[i] != 0f, aj = old == null || old[j] != 0f;
        if (ai != aj) return ai;
        return score[i] > score[j];
    }
}
