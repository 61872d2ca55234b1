package jprune.nn.infer;

/**
 * What one step hands the next, per sample: a c × h × w feature map, channel-first or channel-last,
 * held with pad zero pixels around it; or a row of features in PyTorch's flatten order, stride
 * floats apart from the next sample's row. Buffers carry {@link #SLACK} extra floats so kernels may
 * read or mask-store a vector past the last element.
 */
record Activation(boolean flat, int c, int h, int w, boolean channelLast, int pad, int features, int stride) {
    static final int SLACK = jprune.tensor.DirectConv.SLACK;

    static Activation map(int c, int h, int w, boolean channelLast, int pad) {
        return new Activation(false, c, h, w, channelLast, pad, c * h * w, 0);
    }

    static Activation flat(int features, int stride) {
        return new Activation(true, 0, 0, 0, false, 0, features, stride);
    }

    /** Floats per sample in a buffer, padding included. */
    int size() {
        return flat ? stride : c * (h + 2 * pad) * (w + 2 * pad);
    }

    /** Whether the buffer holds exactly PyTorch's layout: channel-first and unpadded, or a row without gaps. */
    boolean natural() {
        return flat ? stride == features : pad == 0 && (!channelLast || c == 1 || h * w == 1);
    }

    /** The same layout without padding or gaps, channel-first. */
    Activation naturalForm() {
        return flat ? flat(features, features) : map(c, h, w, false, 0);
    }

    /** Where element e of PyTorch's layout (flatten order) lives in the buffer. */
    int offsetOf(int e) {
        if (flat) return e;
        int ch = e / (h * w), y = e / w % h, x = e % w, hp = h + 2 * pad, wp = w + 2 * pad;
        return channelLast ? ((y + pad) * wp + x + pad) * c + ch : (ch * hp + y + pad) * wp + x + pad;
    }
}
