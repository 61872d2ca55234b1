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
        assertEquals(0, r.bitsRemaining() / 8);
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
    void terminatorCheckAcceptsOnlyTheStopBitAndZeroPadding() throws CorruptStreamException {
        for (int dataBits = 0; dataBits <= 16; dataBits++) {
            BitWriter w = new BitWriter();
            w.writeBits(0, dataBits);
            w.terminate();
            byte[] b = w.toByteArray();
            BitReader ok = new BitReader(b);
            ok.readBits(dataBits);
            ok.expectTerminator();
            if (dataBits > 0) {
                BitReader early = new BitReader(b); // a reader that stops one bit short sees a 0, not the stop bit
                early.readBits(dataBits - 1);
                assertThrows(CorruptStreamException.class, early::expectTerminator);
            }
            BitReader late = new BitReader(b); // one that reads one bit too many has swallowed the stop bit
            late.readBits(dataBits + 1);
            assertThrows(CorruptStreamException.class, late::expectTerminator);
        }
        BitReader dirty = new BitReader(new byte[] {0x61}); // 01 1 00001: stop bit, then a nonzero padding bit
        dirty.readBits(2);
        assertThrows(CorruptStreamException.class, dirty::expectTerminator);
        BitReader extra = new BitReader(new byte[] {0x60, 0}); // a whole byte beyond the terminator
        extra.readBits(2);
        assertThrows(CorruptStreamException.class, extra::expectTerminator);
    }

    @Test
    void readerHonoursItsWindow() throws CorruptStreamException {
        BitReader r = new BitReader(new byte[] {1, 2, 3, 4}, 1, 2);
        assertEquals(0x0203, r.readBits(16));
        assertEquals(0, r.bitsRemaining());
        assertThrows(IllegalArgumentException.class, () -> new BitReader(new byte[4], 3, 2));
    }
}
