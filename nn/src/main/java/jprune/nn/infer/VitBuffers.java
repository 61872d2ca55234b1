package jprune.nn.infer;

/**
 * One thread's arrays for a {@link VitStep}, for up to a group of samples: the residual stream, its
 * normalised rows, queries, keys, values, attention context, the MLP's hidden rows, and one image's
 * unfolded patches. Allocated once per thread and reused by every call.
 */
final class VitBuffers {
    final float[] stream, normed, q, k, v, context, hidden, patches;

    VitBuffers(int rows, int streamWidth, int innerWidth, int hiddenWidth, int patchFloats) {
        stream = new float[rows * streamWidth];
        normed = new float[rows * streamWidth];
        q = new float[rows * innerWidth];
        k = new float[rows * innerWidth];
        v = new float[rows * innerWidth];
        context = new float[rows * innerWidth];
        hidden = new float[rows * hiddenWidth];
        patches = new float[patchFloats];
    }
}
