package jprune.nn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.tensor.Tensor;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of
 * JSON header ({@code name → {dtype, shape, data_offsets}} plus optional {@code __metadata__}), then
 * the little-endian tensor data. Writes are atomic. Reads check every declared size and offset
 * against the real file before allocating anything.
 */
public final class Safetensors {
    /** Headers larger than this are rejected (the format's reference implementation uses the same bound). */
    static final long MAX_HEADER_BYTES = 100L << 20;
    private static final String METADATA = "__metadata__";

    private Safetensors() {}

    /** Writes tensors (as F32, in the map's order) and metadata to file, atomically. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        LinkedHashMap<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put(METADATA, new LinkedHashMap<>(metadata));
        long offset = 0;
        List<Tensor> order = new ArrayList<>();
        for (var e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.equals(METADATA)) throw new IllegalArgumentException("invalid tensor name '" + name + "'");
            Tensor t = e.getValue();
            long bytes = 4L * t.numel();
            LinkedHashMap<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", t.shape());
            entry.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(name, entry);
            offset += bytes;
            order.add(t);
        }
        byte[] json = Json.write(header, false).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        for (int i = json.length; i < padded; i++) headerBytes[i] = ' ';
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(headerBytes);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : order) {
                for (float v : t.data()) {
                    if (!buf.hasRemaining()) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(v);
                }
            }
            out.write(buf.array(), 0, buf.position());
        });
    }

    /** Reads and validates a safetensors file; all dtypes supported are converted to float32. */
    @SuppressWarnings("unchecked")
    public static Checkpoint read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(file, "file is " + size + " bytes, too short for the 8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > size - 8)
                throw bad(file, "header length " + Long.toUnsignedString(headerLen) + " does not fit in a file of " + size + " bytes");
            if (headerLen > MAX_HEADER_BYTES) throw bad(file, "header length " + headerLen + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8, file);
            String headerText = new String(hb.array(), StandardCharsets.UTF_8);
            Map<String, Object> header;
            try {
                header = Json.parseObject(headerText);
            } catch (JsonException e) {
                throw bad(file, "header is not valid JSON: " + e.getMessage());
            }
            long dataStart = 8 + headerLen, dataSize = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (var e : header.entrySet()) {
                if (e.getKey().equals(METADATA)) {
                    if (!(e.getValue() instanceof Map<?, ?> m)) throw bad(file, "__metadata__ must be an object");
                    for (var me : m.entrySet()) {
                        if (!(me.getValue() instanceof String sv)) throw bad(file, "__metadata__ value for '" + me.getKey() + "' must be a string");
                        metadata.put((String) me.getKey(), sv);
                    }
                    continue;
                }
                if (!(e.getValue() instanceof Map<?, ?> m)) throw bad(file, "tensor '" + e.getKey() + "' must be described by an object");
                entries.add(Entry.parse(file, e.getKey(), (Map<String, Object>) m, dataSize));
            }
            checkOverlaps(file, entries);
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry en : entries) {
                ByteBuffer raw = ByteBuffer.allocate((int) (en.end - en.begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, raw, dataStart + en.begin, file);
                raw.flip();
                tensors.put(en.name, Tensor.of(en.dtype.decode(raw, en.numel), en.shape));
            }
            return new Checkpoint(tensors, metadata);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such checkpoint file");
        }
    }

    private record Entry(String name, Dtype dtype, int[] shape, int numel, long begin, long end) {
        static Entry parse(Path file, String name, Map<String, Object> m, long dataSize) throws CheckpointFormatException {
            if (!(m.get("dtype") instanceof String dt)) throw bad(file, "tensor '" + name + "' lacks a string 'dtype'");
            Dtype dtype = Dtype.of(dt);
            if (dtype == null) throw bad(file, "tensor '" + name + "' has dtype " + dt + "; supported: F32, F16, BF16, F64");
            if (!(m.get("shape") instanceof List<?> sl)) throw bad(file, "tensor '" + name + "' lacks a 'shape' list");
            if (sl.size() > 16) throw bad(file, "tensor '" + name + "' has rank " + sl.size() + " (at most 16 supported)");
            int[] shape = new int[sl.size()];
            long numel = 1;
            for (int i = 0; i < shape.length; i++) {
                if (!(sl.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE)
                    throw bad(file, "tensor '" + name + "' has an invalid dimension " + sl.get(i) + " in shape " + sl);
                shape[i] = (int) (long) d;
                numel *= d;
                if (numel > Integer.MAX_VALUE) throw bad(file, "tensor '" + name + "' shape " + sl + " has more than 2^31-1 elements");
            }
            if (!(m.get("data_offsets") instanceof List<?> ol) || ol.size() != 2 || !(ol.get(0) instanceof Long b) || !(ol.get(1) instanceof Long en))
                throw bad(file, "tensor '" + name + "' needs 'data_offsets' as two integers");
            if (b < 0 || en < b || en > dataSize)
                throw bad(file, "tensor '" + name + "' data_offsets [" + b + ", " + en + "] fall outside the " + dataSize + "-byte data section");
            long bytes = numel * dtype.size;
            if (en - b != bytes)
                throw bad(file, "tensor '" + name + "' declares " + numel + " elements of " + dt + " (" + bytes + " bytes) but its data_offsets span " + (en - b) + " bytes");
            return new Entry(name, dtype, shape, (int) numel, b, en);
        }
    }

    private static void checkOverlaps(Path file, List<Entry> entries) throws CheckpointFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> Long.compare(a.begin, b.begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry prev = sorted.get(i - 1), cur = sorted.get(i);
            if (cur.begin < prev.end) throw bad(file, "tensors '" + prev.name + "' and '" + cur.name + "' overlap in the data section");
        }
    }

    private enum Dtype {
        F32(4), F16(2), BF16(2), F64(8);

        final int size;

        Dtype(int size) {
            this.size = size;
        }

        static Dtype of(String s) {
            for (Dtype d : values()) if (d.name().equals(s)) return d;
            return null;
        }

        float[] decode(ByteBuffer b, int n) {
            float[] out = new float[n];
            switch (this) {
                case F32 -> b.asFloatBuffer().get(out);
                case F64 -> {
                    for (int i = 0; i < n; i++) out[i] = (float) b.getDouble();
                }
                case F16 -> {
                    for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(b.getShort());
                }
                case BF16 -> {
                    for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                }
            }
            return out;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw bad(file, "file ends early (truncated)");
            pos += n;
        }
    }

    static CheckpointFormatException bad(Path file, String what) {
        return new CheckpointFormatException(file.getFileName() + ": " + what);
    }
}
