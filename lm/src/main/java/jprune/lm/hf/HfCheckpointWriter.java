package jprune.lm.hf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jprune.nn.io.Json;

/**
 * Writes a checkpoint directory in the Hugging Face layout: {@code config.json}, one
 * {@code model.safetensors} or named shards with {@code model.safetensors.index.json}, and any
 * tokenizer files copied from a source directory. Tensors are produced one at a time into
 * off-heap staging memory, so a model larger than the heap can be written while it is read. The
 * whole directory appears at once: it is built beside the target and renamed into place, so a
 * failure leaves nothing half-written (and an existing target is replaced only on success).
 *
 * <p>Replacing is whole: files in an existing target that the new checkpoint lacks are gone after.
 * So an existing target must be empty or a checkpoint (it holds {@code config.json}); any other
 * directory, the current directory or one holding it are refused before anything is written.
 */
public final class HfCheckpointWriter {
    /** Files beside the weights that describe the tokenizer and generation; copied when present. */
    public static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "vocab.json", "merges.txt", "generation_config.json", "added_tokens.json");

    /** Fills dst (exactly the tensor's bytes, little-endian, in the entry's dtype). */
    @FunctionalInterface
    public interface Fill {
        void into(MemorySegment dst) throws IOException;
    }

    /** One tensor to write: name, stored dtype (safetensors name), shape, and how to produce its bytes. */
    public record Entry(String name, String dtype, long[] shape, Fill fill) {
        long bytes() {
            long n = 1;
            for (long d : shape) n *= d;
            return n * SafetensorsFile.elementBytes(dtype);
        }
    }

    private HfCheckpointWriter() {}

    /** An entry holding values, rounded to dtype. */
    public static Entry of(String name, DType dtype, long[] shape, float[] values) {
        long n = 1;
        for (long d : shape) n *= d;
        if (n != values.length) throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + java.util.Arrays.toString(shape));
        return new Entry(name, dtype.name(), shape.clone(), dst -> dtype.write(values, 0, dst, 0, values.length));
    }

    /** An entry copying t's bytes unchanged (any dtype). */
    public static Entry copy(MappedTensor t) {
        return new Entry(t.name(), t.storedDtype(), t.shape().clone(), dst -> MemorySegment.copy(t.data(), 0, dst, 0, t.data().byteSize()));
    }

    /**
     * Writes src again into dir with the same config, tensor names, dtypes and shard layout, and its
     * tokenizer files; tensors named in replacements take their bytes from there (same dtype and
     * shape), the rest are copied unchanged. The way a pruned model is saved.
     */
    public static void rewrite(HfCheckpoint src, Path dir, Map<String, Fill> replacements) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (MappedTensor t : src.tensors().values()) {
            Fill f = replacements.get(t.name());
            entries.add(f == null ? copy(t) : new Entry(t.name(), t.storedDtype(), t.shape().clone(), f));
        }
        for (String name : replacements.keySet()) {
            if (!src.has(name)) throw new IllegalArgumentException("no tensor '" + name + "' in " + src.dir());
        }
        write(dir, new LinkedHashMap<>(src.config()), entries, src.sharded() ? src.shardOf() : null, src.dir());
    }

    /**
     * Writes dir. shardOf maps each entry's name to its shard file; null (or every name mapped to
     * {@value HfCheckpoint#SINGLE}) writes one file. sideFilesFrom, when not null, is a directory whose
     * tokenizer and generation files are copied.
     */
    public static void write(Path dir, Map<String, Object> config, List<Entry> entries, Map<String, String> shardOf,
                             Path sideFilesFrom) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        checkReplaceable(target);
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, "." + target.getFileName() + ".writing.");
        try {
            // createTempDirectory makes the directory owner-only; a model directory is an ordinary one (rwxr-xr-x).
            try {
                Files.setPosixFilePermissions(staging, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException notPosix) {
                // non-POSIX file systems keep their defaults
            }
            Files.writeString(staging.resolve(HfCheckpoint.CONFIG), Json.write(config, true) + "\n", StandardCharsets.UTF_8);
            Map<String, List<Entry>> byShard = new LinkedHashMap<>();
            for (Entry e : entries) {
                String shard = shardOf == null ? HfCheckpoint.SINGLE : shardOf.getOrDefault(e.name(), null);
                if (shard == null) throw new IllegalArgumentException("no shard given for tensor '" + e.name() + "'");
                byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(e);
            }
            boolean single = byShard.isEmpty() || byShard.size() == 1 && byShard.containsKey(HfCheckpoint.SINGLE);
            if (byShard.isEmpty()) byShard.put(HfCheckpoint.SINGLE, List.of());
            long total = 0;
            Map<String, String> weightMap = new TreeMap<>();
            for (var s : byShard.entrySet()) {
                total += writeShard(staging.resolve(s.getKey()), s.getValue());
                for (Entry e : s.getValue()) weightMap.put(e.name(), s.getKey());
            }
            if (!single) {
                Map<String, Object> index = new LinkedHashMap<>();
                index.put("metadata", Map.of("total_size", total));
                index.put("weight_map", weightMap);
                Files.writeString(staging.resolve(HfCheckpoint.INDEX), Json.write(index, true) + "\n", StandardCharsets.UTF_8);
            }
            if (sideFilesFrom != null) {
                for (String f : SIDE_FILES) {
                    Path src = sideFilesFrom.resolve(f);
                    if (Files.isRegularFile(src)) Files.copy(src, staging.resolve(f));
                }
            }
            replace(staging, target);
        } catch (IOException | RuntimeException | Error e) {
            deleteTree(staging);
            throw e;
        }
    }

    /** Writes one safetensors file: header (names sorted, padded with spaces to 8 bytes), then data. */
    static long writeShard(Path file, List<Entry> entries) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(Entry::name));
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", Map.of("format", "pt"));
        long offset = 0;
        for (Entry e : sorted) {
            if (SafetensorsFile.elementBytes(e.dtype()) == 0) throw new IllegalArgumentException(e.name() + ": unknown dtype " + e.dtype());
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", e.dtype());
            info.put("shape", e.shape());
            info.put("data_offsets", new long[] {offset, offset + e.bytes()});
            header.put(e.name(), info);
            offset += e.bytes();
        }
        byte[] json = Json.write(header, false).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) ch.write(head);
            for (Entry e : sorted) {
                long bytes = e.bytes();
                if (bytes == 0) continue;
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment staging = arena.allocate(bytes, 64);
                    e.fill().into(staging);
                    for (long pos = 0; pos < bytes; ) {
                        long n = Math.min(bytes - pos, 1L << 30);
                        ByteBuffer b = staging.asSlice(pos, n).asByteBuffer();
                        while (b.hasRemaining()) ch.write(b);
                        pos += n;
                    }
                }
            }
            ch.force(true);
        }
        return offset;
    }

    /**
     * Throws unless target may be replaced by a checkpoint: absent, empty, or a checkpoint directory
     * (has config.json); never the file system's root, the current directory or a directory holding it.
     */
    public static void checkReplaceable(Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        if (target.getParent() == null) throw new IOException("cannot write a checkpoint as " + target + "; name a directory inside it");
        if (Path.of("").toAbsolutePath().normalize().startsWith(target))
            throw new IOException(dir + " is the current directory or holds it; write the checkpoint to a new directory");
        if (!Files.exists(target)) return;
        if (!Files.isDirectory(target)) throw new IOException(dir + " exists and is not a directory");
        if (Files.isRegularFile(target.resolve(HfCheckpoint.CONFIG))) return;
        try (var entries = Files.list(target)) {
            if (entries.findAny().isPresent())
                throw new IOException(dir + " is not empty and holds no " + HfCheckpoint.CONFIG + ", so it is not a checkpoint; writing one there would"
                        + " delete its files: choose a new or empty directory");
        }
    }

    private static void replace(Path staging, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            if (!Files.isDirectory(target)) throw new IOException(target + " exists and is not a directory");
            old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old.");
            Files.delete(old);
            move(target, old);
        }
        try {
            move(staging, target);
        } catch (IOException e) {
            if (old != null) move(old, target);
            throw e;
        }
        if (old != null) deleteTree(old);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover staging directory is hidden and harmless
                }
            });
        } catch (IOException ignored) {
            // already gone
        }
    }
}
