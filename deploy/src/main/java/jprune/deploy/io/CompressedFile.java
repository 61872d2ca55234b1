package jprune.deploy.io;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;

/**
 * The container of a compressed model file (docs/compressed-format.md): an 8-byte magic, a version,
 * a JSON manifest with its CRC-32, then the blobs the manifest lists, each with its own offset,
 * length and CRC-32. This class knows nothing of what the blobs encode; it only guarantees that what
 * it hands back is exactly what was written: a truncated, padded, corrupt or foreign file is rejected
 * with a {@link CompressedFormatException} before any blob is decoded.
 *
 * <p>Layout, all integers little-endian:
 * <pre>
 *   0  magic   "JPRZ\r\n\032\n" (catches text-mode and truncation-at-EOF damage, as PNG's does)
 *   8  u16 major version, u16 minor version
 *  12  u32 manifest length M (at most {@link #MAX_MANIFEST_BYTES})
 *  16  manifest: M bytes of UTF-8 JSON, an object holding "blobs": [{name, offset, length, crc32}, ...]
 *  16+M  u32 CRC-32 of the manifest bytes
 *  20+M  the blobs, back to back in manifest order; offsets count from here; the file ends with the last one
 * </pre>
 */
public final class CompressedFile {
    static final byte[] MAGIC = {'J', 'P', 'R', 'Z', '\r', '\n', 0x1A, '\n'};
    public static final int MAJOR = 1, MINOR = 0;
    static final int MAX_MANIFEST_BYTES = 16 << 20;
    /** Largest blob this reader accepts: more than any model jprune builds, far less than a hostile length could ask. */
    static final long MAX_BLOB_BYTES = 1L << 30;

    /** A file's manifest (without its "blobs" list) and its blobs by name, in file order. */
    public record Contents(Map<String, Object> manifest, LinkedHashMap<String, byte[]> blobs) {}

    private CompressedFile() {}

    /** Writes atomically (temporary file, then rename). The manifest must not hold a "blobs" key: the container adds it. */
    public static long write(Path file, Map<String, Object> manifest, LinkedHashMap<String, byte[]> blobs) throws IOException {
        if (manifest.containsKey("blobs")) throw new IllegalArgumentException("the manifest's 'blobs' key is the container's own");
        Map<String, Object> full = new LinkedHashMap<>(manifest);
        List<Object> index = new ArrayList<>();
        long offset = 0;
        for (var e : blobs.entrySet()) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("name", e.getKey());
            b.put("offset", offset);
            b.put("length", (long) e.getValue().length);
            b.put("crc32", crc(e.getValue(), 0, e.getValue().length));
            index.add(b);
            offset += e.getValue().length;
        }
        full.put("blobs", index);
        byte[] json = Json.write(full, false).getBytes(StandardCharsets.UTF_8);
        if (json.length > MAX_MANIFEST_BYTES) throw new IllegalArgumentException("manifest of " + json.length + " bytes exceeds the limit of " + MAX_MANIFEST_BYTES);
        ByteBuffer head = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).putShort((short) MAJOR).putShort((short) MINOR).putInt(json.length);
        ByteBuffer tail = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc(json, 0, json.length));
        AtomicFiles.write(file, out -> {
            DataOutputStream d = new DataOutputStream(out);
            d.write(head.array());
            d.write(json);
            d.write(tail.array());
            for (byte[] b : blobs.values()) d.write(b);
            d.flush();
        });
        return 20L + json.length + offset;
    }

    /** Reads and verifies a whole file. */
    @SuppressWarnings("unchecked")
    public static Contents read(Path file) throws IOException {
        long size = Files.size(file);
        if (size < 20) throw bad(file, "only " + size + " bytes: too short to be a compressed model (truncated?)");
        byte[] all;
        if (size > MAX_BLOB_BYTES + MAX_MANIFEST_BYTES + 20) throw bad(file, size + " bytes is larger than any compressed model this reader accepts");
        all = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MAGIC.length; i++)
            if (all[i] != MAGIC[i]) throw bad(file, "not a jprune compressed model (bad magic bytes)");
        int major = Short.toUnsignedInt(buf.getShort(8)), minor = Short.toUnsignedInt(buf.getShort(10));
        if (major != MAJOR) throw bad(file, "format version " + major + "." + minor + " is not supported (this jprune reads " + MAJOR + ".x)");
        long m = Integer.toUnsignedLong(buf.getInt(12));
        if (m > MAX_MANIFEST_BYTES) throw bad(file, "manifest length " + m + " exceeds the limit of " + MAX_MANIFEST_BYTES);
        if (20 + m > size) throw bad(file, "manifest of " + m + " bytes runs past the end of the " + size + "-byte file (truncated?)");
        int manifestLen = (int) m;
        long storedCrc = Integer.toUnsignedLong(buf.getInt(16 + manifestLen));
        if (storedCrc != crc(all, 16, manifestLen)) throw bad(file, "manifest checksum mismatch (corrupt file)");
        Map<String, Object> manifest;
        try {
            manifest = Json.parseObject(new String(all, 16, manifestLen, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw bad(file, "manifest is not valid JSON: " + e.getMessage());
        }
        if (!(manifest.remove("blobs") instanceof List<?> index)) throw bad(file, "manifest lacks its 'blobs' list");
        long dataStart = 20L + manifestLen, expected = 0;
        LinkedHashMap<String, byte[]> blobs = new LinkedHashMap<>();
        for (Object o : index) {
            if (!(o instanceof Map<?, ?> b)) throw bad(file, "a 'blobs' entry is not an object");
            Map<String, Object> e = (Map<String, Object>) b;
            if (!(e.get("name") instanceof String name)) throw bad(file, "a blob has no name");
            long offset = number(file, e, name, "offset"), length = number(file, e, name, "length"), crc = number(file, e, name, "crc32");
            if (offset != expected) throw bad(file, "blob '" + name + "' starts at " + offset + ", expected " + expected + " (blobs are back to back)");
            if (length > MAX_BLOB_BYTES || dataStart + offset + length > size)
                throw bad(file, "blob '" + name + "' (" + length + " bytes at " + offset + ") runs past the end of the file (truncated?)");
            if (blobs.containsKey(name)) throw bad(file, "blob '" + name + "' appears twice");
            int from = (int) (dataStart + offset);
            if (crc(all, from, (int) length) != crc) throw bad(file, "blob '" + name + "' checksum mismatch (corrupt file)");
            blobs.put(name, java.util.Arrays.copyOfRange(all, from, from + (int) length));
            expected = offset + length;
        }
        if (dataStart + expected != size) throw bad(file, (size - dataStart - expected) + " unexpected bytes after the last blob");
        return new Contents(manifest, blobs);
    }

    private static long number(Path file, Map<String, Object> e, String name, String key) throws CompressedFormatException {
        if (e.get(key) instanceof Long v && v >= 0) return v;
        throw bad(file, "blob '" + name + "' has no valid '" + key + "'");
    }

    static long crc(byte[] b, int off, int len) {
        CRC32 c = new CRC32();
        c.update(b, off, len);
        return c.getValue();
    }

    static CompressedFormatException bad(Path file, String why) {
        return new CompressedFormatException(file + ": " + why);
    }
}
