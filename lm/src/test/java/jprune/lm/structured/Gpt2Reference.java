package jprune.lm.structured;

import jprune.lm.model.LmConfig;

/**
 * A plain float64 GPT-2 forward over full-size weights as stored (Conv1D [in, out], tied head),
 * written independently of {@code DecoderModel}, whose LayerNorms take their mean and variance over
 * the kept residual dimensions only: the definition of a GPT-2 with a narrowed residual stream.
 */
final class Gpt2Reference {
    private Gpt2Reference() {}

    /** Logits [T, vocab] of ids. */
    static double[] logits(LmWeights w, boolean[] kept, int[] ids) {
        LmConfig c = w.config();
        int n = ids.length, d = c.hiddenSize(), v = c.vocabSize(), hd = c.headDim();
        float[] wte = w.values().get("transformer.wte.weight"), wpe = w.values().get("transformer.wpe.weight");
        double[][] h = new double[n][d];
        for (int t = 0; t < n; t++) for (int i = 0; i < d; i++) h[t][i] = wte[ids[t] * d + i] + wpe[t * d + i];
        for (int l = 0; l < c.layers(); l++) {
            String b = "transformer.h." + l + ".";
            int heads = c.heads(l), q = heads * hd, f = c.intermediateSize(l);
            double[][] a = norm(h, w, b + "ln_1", kept, c.normEps());
            double[][] qkv = matmul(a, w.values().get(b + "attn.c_attn.weight"), w.values().get(b + "attn.c_attn.bias"), 3 * q);
            double[][] ctx = new double[n][q];
            for (int head = 0; head < heads; head++)
                for (int t = 0; t < n; t++) {
                    double[] p = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int s = 0; s <= t; s++) {
                        double dot = 0;
                        for (int k = 0; k < hd; k++) dot += qkv[t][head * hd + k] * qkv[s][q + head * hd + k];
                        p[s] = dot / Math.sqrt(hd);
                        max = Math.max(max, p[s]);
                    }
                    for (int s = 0; s <= t; s++) sum += p[s] = Math.exp(p[s] - max);
                    for (int s = 0; s <= t; s++) for (int k = 0; k < hd; k++) ctx[t][head * hd + k] += p[s] / sum * qkv[s][2 * q + head * hd + k];
                }
            add(h, matmul(ctx, w.values().get(b + "attn.c_proj.weight"), w.values().get(b + "attn.c_proj.bias"), d));
            double[][] up = matmul(norm(h, w, b + "ln_2", kept, c.normEps()), w.values().get(b + "mlp.c_fc.weight"), w.values().get(b + "mlp.c_fc.bias"), f);
            for (double[] row : up)
                for (int i = 0; i < f; i++) row[i] = 0.5 * row[i] * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (row[i] + 0.044715 * Math.pow(row[i], 3))));
            add(h, matmul(up, w.values().get(b + "mlp.c_proj.weight"), w.values().get(b + "mlp.c_proj.bias"), d));
        }
        double[][] x = norm(h, w, "transformer.ln_f", kept, c.normEps());
        double[] out = new double[n * v];
        for (int t = 0; t < n; t++)
            for (int j = 0; j < v; j++) {
                double s = 0;
                for (int i = 0; i < d; i++) s += x[t][i] * wte[j * d + i];
                out[t * v + j] = s;
            }
        return out;
    }

    /** LayerNorm with statistics over the kept entries; removed entries come out zero. */
    private static double[][] norm(double[][] h, LmWeights w, String prefix, boolean[] kept, double eps) {
        float[] g = w.values().get(prefix + ".weight"), b = w.values().get(prefix + ".bias");
        int d = g.length, k = 0;
        for (boolean x : kept) if (x) k++;
        double[][] out = new double[h.length][d];
        for (int t = 0; t < h.length; t++) {
            double mean = 0, var = 0;
            for (int i = 0; i < d; i++) if (kept[i]) mean += h[t][i];
            mean /= k;
            for (int i = 0; i < d; i++) if (kept[i]) var += (h[t][i] - mean) * (h[t][i] - mean);
            double rstd = 1 / Math.sqrt(var / k + eps);
            for (int i = 0; i < d; i++) out[t][i] = kept[i] ? (h[t][i] - mean) * rstd * g[i] + b[i] : 0;
        }
        return out;
    }

    /** x [T, in] times a Conv1D weight [in, out] plus bias. */
    private static double[][] matmul(double[][] x, float[] weight, float[] bias, int out) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++)
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int i = 0; i < in; i++) s += x[t][i] * weight[i * out + o];
                y[t][o] = s;
            }
        return y;
    }

    private static void add(double[][] h, double[][] x) {
        for (int t = 0; t < h.length; t++) for (int i = 0; i < h[t].length; i++) h[t][i] += x[t][i];
    }
}
