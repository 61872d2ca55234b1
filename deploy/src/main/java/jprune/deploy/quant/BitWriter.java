package jprune.deploy.quant;

import java.util.Arrays;

/**
 * Appends bits most-significant first into a growing byte array; the last byte is padded with zero
 * bits. A stream that must end recognisably calls {@link #terminate()} last: a single 1 bit before
 * the zero padding lets {@link BitReader#expectTerminator()} tell the real end from padding, so a
 * decoder told the wrong symbol count always notices (extra symbols would have to swallow the 1 bit,
 * leftover symbols sit before it).
 */
public final class BitWriter {
    private byte[] buf = new byte[64];
    private int bytes;
    /** Pending bits, right-aligned in the low {@code pending} bits; at most 7 stay pending between calls. */
    private long acc;
    private int pending;

    /** Writes the low {@code count} bits of value, most significant first; count in [0, 32]. */
    public void writeBits(int value, int count) {
        if (count < 0 || count > 32) throw new IllegalArgumentException("bit count must be in [0, 32], got " + count);
        if (count == 0) return;
        acc = (acc << count) | (value & (0xFFFF_FFFFL >>> (32 - count)));
        pending += count;
        while (pending >= 8) {
            pending -= 8;
            put((byte) (acc >>> pending));
        }
        acc &= (1L << pending) - 1;
    }

    public void writeBit(boolean bit) {
        writeBits(bit ? 1 : 0, 1);
    }

    /**
     * Elias gamma code of v ≥ 1: ⌊log2 v⌋ zeros, then v in binary. Small numbers (run lengths, table
     * sizes) cost few bits without a fixed width having to be chosen.
     */
    public void writeEliasGamma(int v) {
        if (v < 1) throw new IllegalArgumentException("Elias gamma codes numbers >= 1, got " + v);
        int width = 32 - Integer.numberOfLeadingZeros(v);
        writeBits(0, width - 1);
        writeBits(v, width);
    }

    /** Writes the stop bit that marks the end of the data (see the class comment); write nothing after it. */
    public void terminate() {
        writeBits(1, 1);
    }

    /** Bits written so far. */
    public long bitCount() {
        return 8L * bytes + pending;
    }

    /** The bytes written so far, the last one zero-padded; the writer stays usable. */
    public byte[] toByteArray() {
        byte[] out = Arrays.copyOf(buf, bytes + (pending > 0 ? 1 : 0));
        if (pending > 0) out[bytes] = (byte) (acc << (8 - pending));
        return out;
    }

    private void put(byte b) {
        if (bytes == buf.length) buf = Arrays.copyOf(buf, Math.max(64, buf.length * 2));
        buf[bytes++] = b;
    }
}
