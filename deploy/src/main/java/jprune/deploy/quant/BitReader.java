package jprune.deploy.quant;

/**
 * Reads bits most-significant first from a byte array, as {@link BitWriter} wrote them. Reading past
 * the end throws {@link CorruptStreamException} (a truncated stream) instead of inventing bits.
 */
public final class BitReader {
    private final byte[] data;
    private final long limit;
    private long pos;

    /** A reader over all of data. */
    public BitReader(byte[] data) {
        this(data, 0, data.length);
    }

    /** A reader over data[offset, offset + length). */
    public BitReader(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset > data.length - length)
            throw new IllegalArgumentException("range [" + offset + ", " + offset + "+" + length + ") is outside an array of " + data.length + " bytes");
        this.data = data;
        this.pos = 8L * offset;
        this.limit = 8L * (offset + (long) length);
    }

    /** Reads count bits in [0, 32] as an unsigned value (count 32 returns the raw int bits). */
    public int readBits(int count) throws CorruptStreamException {
        if (count < 0 || count > 32) throw new IllegalArgumentException("bit count must be in [0, 32], got " + count);
        if (count > limit - pos) throw new CorruptStreamException("stream truncated: needed " + count + " bits at bit " + pos + " but only " + (limit - pos) + " remain");
        int v = 0;
        for (int i = 0; i < count; i++) v = (v << 1) | bitAt(pos++);
        return v;
    }

    public int readBit() throws CorruptStreamException {
        if (pos >= limit) throw new CorruptStreamException("stream truncated at bit " + pos);
        return bitAt(pos++);
    }

    /** Reads an Elias gamma code written by {@link BitWriter#writeEliasGamma}, rejecting values above max. */
    public int readEliasGamma(int max) throws CorruptStreamException {
        long start = pos;
        int zeros = 0;
        while (readBit() == 0) {
            if (++zeros > 30) throw new CorruptStreamException("Elias gamma code at bit " + start + " is longer than any int");
        }
        int v = (1 << zeros) | readBits(zeros);
        if (v > max) throw new CorruptStreamException("value " + v + " at bit " + start + " exceeds the allowed maximum " + max);
        return v;
    }

    public long bitsRemaining() {
        return limit - pos;
    }

    public long position() {
        return pos;
    }

    /**
     * Checks that exactly the terminator remains: the stop bit {@link BitWriter#terminate()} wrote,
     * then zero padding to the end of its byte. Anything else (unread data, a missing stop bit,
     * a nonzero padding bit) means the stream and the reader disagree about where the data ends.
     */
    public void expectTerminator() throws CorruptStreamException {
        long left = limit - pos;
        if (left == 0) throw new CorruptStreamException("stream ends without its stop bit (truncated, or more data was read than written)");
        if (left > 8) throw new CorruptStreamException((left - 1) + " unread bits before the end of the stream");
        if (bitAt(pos++) != 1) throw new CorruptStreamException("expected the stop bit at bit " + (pos - 1) + ", found unread data");
        while (pos < limit) {
            if (bitAt(pos++) != 0) throw new CorruptStreamException("nonzero padding bit at bit " + (pos - 1));
        }
    }

    private int bitAt(long p) {
        return (data[(int) (p >>> 3)] >>> (7 - (int) (p & 7))) & 1;
    }
}
