package jprune.nn.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader of the IDX format used by (Fashion-)MNIST: a 4-byte magic (0, 0, type 0x08 = unsigned
 * byte, number of dimensions), big-endian 32-bit dimensions, then the bytes. Files may be gzipped
 * (detected by their magic). Declared sizes are checked against the data actually present before
 * anything of that size is allocated.
 */
public final class Idx {
    /** Largest dimension accepted; real data sets are far below it. */
    static final int MAX_DIM = 10_000_000;

    private Idx() {}

    /** The parsed file: its dimensions and its unsigned bytes. */
    public record Array(int[] dims, byte[] data) {}

    /** Reads an IDX file of unsigned bytes with the expected number of dimensions. */
    public static Array read(Path file, int expectedDims) throws IOException {
        String name = file.getFileName().toString();
        if (!Files.isRegularFile(file)) throw new DataNotFoundException(file + ": no such file");
        long fileSize = Files.size(file);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read(), b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            InputStream in = gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
            byte[] head = readExactly(in, 4, name, "the 4-byte magic number");
            if (head[0] != 0 || head[1] != 0)
                throw new DataFormatException(name + ": not an IDX file (magic " + hex(head) + ", expected 00 00 08 0N)");
            if (head[2] != 0x08)
                throw new DataFormatException(name + ": IDX element type 0x" + Integer.toHexString(head[2] & 0xff) + " is not supported (only 0x08, unsigned byte)");
            int nd = head[3] & 0xff;
            if (nd != expectedDims)
                throw new DataFormatException(name + ": IDX file has " + nd + " dimensions, expected " + expectedDims);
            byte[] dimBytes = readExactly(in, 4 * nd, name, "the dimension sizes");
            int[] dims = new int[nd];
            long total = 1;
            for (int i = 0; i < nd; i++) {
                long d = ((dimBytes[4 * i] & 0xffL) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16) | ((dimBytes[4 * i + 2] & 0xff) << 8) | (dimBytes[4 * i + 3] & 0xff);
                if (d < 1 || d > MAX_DIM) throw new DataFormatException(name + ": dimension " + i + " is " + d + ", outside [1, " + MAX_DIM + "]");
                dims[i] = (int) d;
                total *= d;
                if (total > Integer.MAX_VALUE - 16) throw new DataFormatException(name + ": declared size " + describe(dims) + " is too large");
            }
            long headerBytes = 4 + 4L * nd;
            if (!gzip && fileSize - headerBytes < total)
                throw truncated(name, dims, total, fileSize - headerBytes);
            byte[] data = gzip ? readGrowing(in, (int) total, name, dims) : readExactly(in, (int) total, name, "the data");
            if (in.read() != -1) throw new DataFormatException(name + ": extra data after the " + total + " bytes declared by its header " + describe(dims));
            return new Array(dims, data);
        } catch (ZipException | EOFException e) {
            throw new DataFormatException(name + ": corrupt or truncated gzip stream (" + e.getMessage() + ")", e);
        }
    }

    /** Reads up to `total` bytes into a buffer that grows only as data actually arrives. */
    private static byte[] readGrowing(InputStream in, int total, String name, int[] dims) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(total, 1 << 20));
        byte[] buf = new byte[1 << 16];
        int have = 0;
        while (have < total) {
            int n = in.read(buf, 0, Math.min(buf.length, total - have));
            if (n < 0) throw truncated(name, dims, total, have);
            out.write(buf, 0, n);
            have += n;
        }
        return out.toByteArray();
    }

    private static byte[] readExactly(InputStream in, int n, String name, String what) throws IOException {
        byte[] b = new byte[n];
        int have = 0;
        while (have < n) {
            int r = in.read(b, have, n - have);
            if (r < 0) throw new DataFormatException(name + ": truncated: the file ends inside " + what + " (" + have + " of " + n + " bytes)");
            have += r;
        }
        return b;
    }

    private static DataFormatException truncated(String name, int[] dims, long total, long have) {
        return new DataFormatException(name + ": truncated: header declares " + describe(dims) + " = " + total
                + " bytes but the file holds only " + Math.max(0, have));
    }

    static String describe(int[] dims) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dims.length; i++) sb.append(i > 0 ? "×" : "").append(dims[i]);
        return sb.toString();
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x ", x & 0xff));
        return sb.toString().trim();
    }
}
