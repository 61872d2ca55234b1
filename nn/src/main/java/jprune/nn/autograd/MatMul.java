package jprune.nn.autograd;

import jprune.tensor.Elementwise;
import jprune.tensor.Gemm;
import jprune.tensor.Shape;
import jprune.tensor.Tensor;

/** Differentiable matrix products: matmul (2-D and batched) and the fused linear layer. */
public final class MatMul {
    private MatMul() {}

    /**
     * a·b. With 2-D operands a plain product; with a of rank ≥ 3, a batch of products over the
     * leading dimensions, where b is either 2-D (shared) or has the same leading dimensions.
     */
    public static Variable matmul(Variable a, Variable b) {
        int[] as = a.shape(), bs = b.shape();
        if (as.length < 2 || bs.length < 2)
            throw new IllegalArgumentException("matmul needs rank ≥ 2 operands, got " + Shape.str(as) + " and " + Shape.str(bs));
        int m = as[as.length - 2], k = as[as.length - 1];
        int kb = bs[bs.length - 2], n = bs[bs.length - 1];
        if (k != kb) throw new IllegalArgumentException("matmul shape mismatch: " + Shape.str(as) + " · " + Shape.str(bs));
        int batch = a.numel() / Math.max(1, m * k);
        boolean sharedB = bs.length == 2;
        if (!sharedB) {
            boolean ok = bs.length == as.length;
            for (int i = 0; ok && i < as.length - 2; i++) ok = as[i] == bs[i];
            if (!ok) throw new IllegalArgumentException("batched matmul needs equal leading dims: " + Shape.str(as) + " · " + Shape.str(bs));
        }
        int[] os = as.clone();
        os[os.length - 1] = n;
        Tensor out = Tensor.zeros(os);
        float[] ad = a.value().data(), bd = b.value().data(), od = out.data();
        if (sharedB) {
            // Fold the batch into the rows: one big GEMM.
            Gemm.gemm(false, false, batch * m, n, k, ad, 0, k, bd, 0, n, false, od, 0, n);
        } else {
            for (int i = 0; i < batch; i++)
                Gemm.gemm(false, false, m, n, k, ad, i * m * k, k, bd, i * k * n, n, false, od, i * m * n, n);
        }
        return Variable.result("matmul", out, g -> {
            float[] gd = g.data();
            if (a.requiresGrad()) {
                float[] ga = a.gradBuffer();
                if (sharedB) Gemm.gemm(false, true, batch * m, k, n, gd, 0, n, bd, 0, n, true, ga, 0, k);
                else for (int i = 0; i < batch; i++)
                    Gemm.gemm(false, true, m, k, n, gd, i * m * n, n, bd, i * k * n, n, true, ga, i * m * k, k);
            }
            if (b.requiresGrad()) {
                float[] gb = b.gradBuffer();
                if (sharedB) Gemm.gemm(true, false, k, n, batch * m, ad, 0, k, gd, 0, n, true, gb, 0, n);
                else for (int i = 0; i < batch; i++)
                    Gemm.gemm(true, false, k, n, m, ad, i * m * k, k, gd, i * m * n, n, true, gb, i * k * n, n);
            }
        }, a, b);
    }

    /**
     * x·wᵀ + bias, with w stored [out, in] as in PyTorch; x may have any leading dimensions.
     * bias may be null.
     */
    public static Variable linear(Variable x, Variable w, Variable bias) {
        int[] xs = x.shape(), ws = w.shape();
        if (ws.length != 2 || xs.length < 1 || xs[xs.length - 1] != ws[1])
            throw new IllegalArgumentException("linear: input " + Shape.str(xs) + " does not match weight " + Shape.str(ws) + " ([out, in])");
        int in = ws[1], outF = ws[0];
        int rows = x.numel() / Math.max(1, in);
        int[] os = xs.clone();
        os[os.length - 1] = outF;
        Tensor out = Tensor.zeros(os);
        float[] xd = x.value().data(), wd = w.value().data(), od = out.data();
        Gemm.gemm(false, true, rows, outF, in, xd, 0, in, wd, 0, in, false, od, 0, outF);
        if (bias != null) Elementwise.addRowVector(od, rows, outF, bias.value().data());
        return Variable.result("linear", out, g -> {
            float[] gd = g.data();
            if (x.requiresGrad()) Gemm.gemm(false, false, rows, in, outF, gd, 0, outF, wd, 0, in, true, x.gradBuffer(), 0, in);
            if (w.requiresGrad()) Gemm.gemm(true, false, outF, in, rows, gd, 0, outF, xd, 0, in, true, w.gradBuffer(), 0, in);
            if (bias != null && bias.requiresGrad()) Elementwise.addColumnSums(gd, rows, outF, bias.gradBuffer());
        }, x, w, bias);
    }
}
