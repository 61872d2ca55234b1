package jprune.tensor;

/** Direct-loop convolution, double accumulation: the ground truth for {@link ConvKernels}. */
public final class ConvReference {
    private ConvReference() {}

    public static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        int oh = g.outH(), ow = g.outW();
        for (int n = 0; n < g.batch(); n++)
            for (int o = 0; o < g.outChannels(); o++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double s = bias == null ? 0 : bias[o];
                        for (int c = 0; c < g.inChannels(); c++)
                            for (int i = 0; i < g.kernelH(); i++)
                                for (int j = 0; j < g.kernelW(); j++) {
                                    int iy = oy * g.strideH() - g.padH() + i, ix = ox * g.strideW() - g.padW() + j;
                                    if (iy < 0 || iy >= g.inH() || ix < 0 || ix >= g.inW()) continue;
                                    s += (double) x[((n * g.inChannels() + c) * g.inH() + iy) * g.inW() + ix]
                                            * w[((o * g.inChannels() + c) * g.kernelH() + i) * g.kernelW() + j];
                                }
                        y[((n * g.outChannels() + o) * oh + oy) * ow + ox] = (float) s;
                    }
    }

    /** dx overwritten (if non-null); dw and dbias accumulated (if non-null). */
    public static void backward(ConvGeometry g, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] dbias) {
        int oh = g.outH(), ow = g.outW();
        double[] gx = new double[g.inputSize()], gw = new double[g.weightSize()], gb = new double[g.outChannels()];
        for (int n = 0; n < g.batch(); n++)
            for (int o = 0; o < g.outChannels(); o++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double d = dy[((n * g.outChannels() + o) * oh + oy) * ow + ox];
                        gb[o] += d;
                        for (int c = 0; c < g.inChannels(); c++)
                            for (int i = 0; i < g.kernelH(); i++)
                                for (int j = 0; j < g.kernelW(); j++) {
                                    int iy = oy * g.strideH() - g.padH() + i, ix = ox * g.strideW() - g.padW() + j;
                                    if (iy < 0 || iy >= g.inH() || ix < 0 || ix >= g.inW()) continue;
                                    int xi = ((n * g.inChannels() + c) * g.inH() + iy) * g.inW() + ix;
                                    int wi = ((o * g.inChannels() + c) * g.kernelH() + i) * g.kernelW() + j;
                                    gx[xi] += d * w[wi];
                                    gw[wi] += d * x[xi];
                                }
                    }
        if (dx != null) for (int i = 0; i < gx.length; i++) dx[i] = (float) gx[i];
        if (dw != null) for (int i = 0; i < gw.length; i++) dw[i] += (float) gw[i];
        if (dbias != null) for (int i = 0; i < gb.length; i++) dbias[i] += (float) gb[i];
    }
}
