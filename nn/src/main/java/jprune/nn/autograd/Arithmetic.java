package jprune.nn.autograd;

import jprune.tensor.Broadcast;
import jprune.tensor.Elementwise;
import jprune.tensor.Elementwise.Op;
import jprune.tensor.Tensor;

/** Differentiable elementwise arithmetic with NumPy broadcasting. */
public final class Arithmetic {
    private Arithmetic() {}

    public static Variable add(Variable a, Variable b) {
        Tensor out = Broadcast.binary(Op.ADD, a.value(), b.value());
        return Variable.result("add", out, g -> {
            a.accumulateGrad(Broadcast.sumToShape(g, a.shape()));
            b.accumulateGrad(Broadcast.sumToShape(g, b.shape()));
        }, a, b);
    }

    public static Variable sub(Variable a, Variable b) {
        Tensor out = Broadcast.binary(Op.SUB, a.value(), b.value());
        return Variable.result("sub", out, g -> {
            a.accumulateGrad(Broadcast.sumToShape(g, a.shape()));
            if (b.requiresGrad()) b.accumulateGradOwned(negate(Broadcast.sumToShape(g, b.shape())));
        }, a, b);
    }

    public static Variable mul(Variable a, Variable b) {
        Tensor out = Broadcast.binary(Op.MUL, a.value(), b.value());
        return Variable.result("mul", out, g -> {
            if (a.requiresGrad()) a.accumulateGradOwned(Broadcast.sumToShape(Broadcast.binary(Op.MUL, g, b.value()), a.shape()));
            if (b.requiresGrad()) b.accumulateGradOwned(Broadcast.sumToShape(Broadcast.binary(Op.MUL, g, a.value()), b.shape()));
        }, a, b);
    }

    public static Variable div(Variable a, Variable b) {
        Tensor out = Broadcast.binary(Op.DIV, a.value(), b.value());
        return Variable.result("div", out, g -> {
            if (a.requiresGrad()) a.accumulateGradOwned(Broadcast.sumToShape(Broadcast.binary(Op.DIV, g, b.value()), a.shape()));
            if (b.requiresGrad()) {
                // d(a/b)/db = -(a/b)/b
                Tensor t = Broadcast.binary(Op.DIV, Broadcast.binary(Op.MUL, g, out), b.value());
                b.accumulateGradOwned(negate(Broadcast.sumToShape(t, b.shape())));
            }
        }, a, b);
    }

    public static Variable mulScalar(Variable a, float s) {
        Tensor out = Tensor.zeros(a.shape());
        Elementwise.binaryScalar(Op.MUL, a.value().data(), 0, s, out.data(), 0, out.numel());
        return Variable.result("mul_scalar", out, g -> {
            Tensor ga = Tensor.zeros(g.shape());
            Elementwise.binaryScalar(Op.MUL, g.data(), 0, s, ga.data(), 0, g.numel());
            a.accumulateGradOwned(ga);
        }, a);
    }

    public static Variable addScalar(Variable a, float s) {
        Tensor out = Tensor.zeros(a.shape());
        Elementwise.binaryScalar(Op.ADD, a.value().data(), 0, s, out.data(), 0, out.numel());
        return Variable.result("add_scalar", out, a::accumulateGrad, a);
    }

    public static Variable neg(Variable a) {
        return mulScalar(a, -1f);
    }

    public static Variable exp(Variable a) {
        float[] x = a.value().data();
        Tensor out = Tensor.zeros(a.shape());
        float[] y = out.data();
        for (int i = 0; i < x.length; i++) y[i] = (float) Math.exp(x[i]);
        return Variable.result("exp", out, g -> a.accumulateGradOwned(Broadcast.binary(Op.MUL, g, out)), a);
    }

    public static Variable log(Variable a) {
        float[] x = a.value().data();
        Tensor out = Tensor.zeros(a.shape());
        float[] y = out.data();
        for (int i = 0; i < x.length; i++) y[i] = (float) Math.log(x[i]);
        return Variable.result("log", out, g -> a.accumulateGradOwned(Broadcast.binary(Op.DIV, g, a.value())), a);
    }

    /** Elementwise square root. */
    public static Variable sqrt(Variable a) {
        float[] x = a.value().data();
        Tensor out = Tensor.zeros(a.shape());
        float[] y = out.data();
        for (int i = 0; i < x.length; i++) y[i] = (float) Math.sqrt(x[i]);
        return Variable.result("sqrt", out, g -> {
            Tensor ga = Tensor.zeros(g.shape());
            float[] gd = g.data(), d = ga.data();
            for (int i = 0; i < d.length; i++) d[i] = gd[i] * 0.5f / y[i];
            a.accumulateGradOwned(ga);
        }, a);
    }

    /** a², elementwise. */
    public static Variable square(Variable a) {
        return mul(a, a);
    }

    static Tensor negate(Tensor t) {
        Elementwise.scale(t.data(), 0, t.numel(), -1f);
        return t;
    }
}
