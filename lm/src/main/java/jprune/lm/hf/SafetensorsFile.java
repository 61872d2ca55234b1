package jprune.lm.hf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.io.CheckpointFormatException;
import jprune.nn.io.Json;
import jprune.nn.io.JsonException;

/**
 * A safetensors file mapped into memory: the header is parsed and every tensor's offsets are
 * checked against the file's real size before anything is read, so a truncated or inconsistent
 * file fails at open with one line naming the file and the tensor. Tensors are slices of the
 * mapping; they stay valid until the arena that mapped the file closes.
 */
public final class SafetensorsFile {
    static final long MAX_HEADER_BYTES = 100L << 20;
    private static final String METADATA = "__metadata__";

    private final Path path;
    private final Map<String, MappedTensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Map<String, MappedTensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps file read-only in arena and validates its header. */
    public static SafetensorsFile open(Path file, Arena arena) throws IOException {
        String where = file.toString();
        MemorySegment all;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new CheckpointFormatException(where + ": truncated safetensors file (" + size + " bytes, no header)");
            all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(where, null, "safetensors file not found");
        }
        long size = all.byteSize();
        long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8)
            throw new CheckpointFormatException(where + ": not a safetensors file or truncated (header length " + headerLen + ", file " + size + " bytes)");
        String json = new String(all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        Map<String, Object> header;
        try {
            header = Json.parseObject(json.strip());
        } catch (JsonException e) {
            throw new CheckpointFormatException(where + ": bad safetensors header: " + e.getMessage());
        }
        long dataStart = 8 + headerLen;
        long dataBytes = size - dataStart;
        Map<String, MappedTensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var e : header.entrySet()) {
            String name = e.getKey();
            if (name.equals(METADATA)) {
                if (e.getValue() instanceof Map<?, ?> m) m.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
                continue;
            }
            if (!(e.getValue() instanceof Map<?, ?> info)) throw bad(where, name, "entry is not an object");
            String dtypeName = info.get("dtype") instanceof String s ? s : null;
            if (dtypeName == null) throw bad(where, name, "no dtype");
            int elementBytes = elementBytes(dtypeName);
            if (elementBytes == 0) throw bad(where, name, "unknown dtype " + dtypeName);
            long[] shape = longs(info.get("shape"), where, name, "shape");
            long[] offsets = longs(info.get("data_offsets"), where, name, "data_offsets");
            if (offsets.length != 2) throw bad(where, name, "data_offsets must hold two numbers");
            long numel = 1;
            for (long d : shape) {
                if (d < 0) throw bad(where, name, "negative dimension");
                numel = Math.multiplyExact(numel, d);
            }
            long begin = offsets[0], end = offsets[1];
            if (begin < 0 || end < begin) throw bad(where, name, "bad data_offsets [" + begin + ", " + end + "]");
            if (end > dataBytes)
                throw new CheckpointFormatException(where + ": truncated: tensor '" + name + "' ends at byte " + (dataStart + end) + " but the file has " + size);
            if (end - begin != numel * elementBytes)
                throw bad(where, name, "holds " + (end - begin) + " bytes but shape " + java.util.Arrays.toString(shape) + " of " + dtypeName + " needs " + numel * elementBytes);
            tensors.put(name, new MappedTensor(name, dtypeName, DType.bySafetensorsName(dtypeName), shape, all.asSlice(dataStart + begin, end - begin)));
        }
        return new SafetensorsFile(file, tensors, metadata);
    }

    private static CheckpointFormatException bad(String where, String name, String what) {
        return new CheckpointFormatException(where + ": tensor '" + name + "': " + what);
    }

    private static long[] longs(Object v, String where, String name, String field) throws CheckpointFormatException {
        if (!(v instanceof List<?> list)) throw bad(where, name, "no " + field);
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long l)) throw bad(where, name, field + " must hold integers");
            out[i] = l;
        }
        return out;
    }

    /** Bytes per element of every safetensors dtype (0 when unknown). */
    static int elementBytes(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> 0;
        };
    }

    public Path path() {
        return path;
    }

    /** Tensors in header order. */
    public Map<String, MappedTensor> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }
}
