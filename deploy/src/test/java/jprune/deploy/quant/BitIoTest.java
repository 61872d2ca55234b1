package jprune.deploy.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BitIoTest {
    @Property(tries = 100)
    void fieldsOfAnyWidthRoundTrip(@ForAll long seed, @ForAll @IntRange(min = 0, max = 300) int fields) throws CorruptStreamException {
        Random rnd = new Random(seed);
        int[] widths = new int[fields], values = new int[fields];
        BitWriter w = new BitWriter();
        long bits = 0;
        for (int i = 0; i < fields; i++) {
            widths[i] = rnd.nextInt(33);
            values[i] = widths[i] == 32 ? rnd.nextInt() : widths[i] == 0 ? 0 : rnd.nextInt(1 << widths[i] - 1) << 1 | rnd.nextInt(2);
            w.writeBits(values[i], widths[i]);
            bits += widths[i];
        }
        assertEquals(bits, w.bitCount());
        byte[] out = w.toByteArray();
        assertEquals((bits + 7) / 8, out.length);
        BitReader r = new BitReader(out);
        for (int i = 0; i < fields; i++) assertEquals(values[i], r.readBits(widths[i]), "field " + i);
        r.expectEnd();
    }

    @Property(tries = 50)
    void eliasGammaRoundTrips(@ForAll @IntRange(min = 1) int v) throws CorruptStreamException {
        BitWriter w = new BitWriter();
        w.writeEliasGamma(v);
        assertEquals(2L * (32 - Integer.numberOfLeadingZeros(v)) - 1, w.bitCount());
        assertEquals(v, new BitReader(w.toByteArray()).readEliasGamma(Integer.MAX_VALUE));
    }

    @Test
    void writerIgnoresBitsAboveTheWidth() throws CorruptStreamException {
        BitWriter w = new BitWriter();
        w.writeBits(0xFF, 3);
        w.writeBits(-1, 1);
        assertEquals(0b1111_0000, new BitReader(w.toByteArray()).readBits(8));
    }

    @Test
    void readingPastTheEndIsATruncatedStream() throws CorruptStreamException {
        BitReader r = new BitReader(new byte[] {(byte) 0xA5});
        assertEquals(0xA, r.readBits(4));
        assertThrows(CorruptStreamException.class, () -> r.readBits(5));
        assertEquals(0x5, r.readBits(4));
        assertThrows(CorruptStreamException.class, r::readBit);
    }

    @Test
    void gammaBeyondTheMaximumOrTheIntRangeIsCorrupt() {
        BitWriter w = new BitWriter();
        w.writeEliasGamma(1000);
        assertThrows(CorruptStreamException.class, () -> new BitReader(w.toByteArray()).readEliasGamma(999));
        assertThrows(CorruptStreamException.class, () -> new BitReader(new byte[8]).readEliasGamma(Integer.MAX_VALUE));
    }

    @Test
    void endCheckRejectsTrailingBytesAndNonzeroPadding() throws CorruptStreamException {
        BitReader extra = new BitReader(new byte[] {0x40, 0});
        extra.readBits(2);
        assertThrows(CorruptStreamException.class, extra::expectEnd);
        BitReader dirty = new BitReader(new byte[] {0x41});
        dirty.readBits(2);
        assertThrows(CorruptStreamException.class, dirty::expectEnd);
        BitReader clean = new BitReader(new byte[] {0x40});
        clean.readBits(2);
        clean.expectEnd();
    }

    @Test
    void readerHonoursItsWindow() throws CorruptStreamException {
        BitReader r = new BitReader(new byte[] {1, 2, 3, 4}, 1, 2);
        assertEquals(0x0203, r.readBits(16));
        assertEquals(0, r.bitsRemaining());
        assertThrows(IllegalArgumentException.class, () -> new BitReader(new byte[4], 3, 2));
    }
}
