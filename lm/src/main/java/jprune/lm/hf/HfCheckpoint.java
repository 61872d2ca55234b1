package jprune.lm.hf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.io.CheckpointFormatException;
import jprune.nn.io.Json;
import jprune.nn.io.JsonException;

/**
 * A Hugging Face checkpoint directory opened for reading: {@code config.json} plus either one
 * {@code model.safetensors} or shards listed in {@code model.safetensors.index.json}. Weights stay
 * in their memory-mapped files; close the checkpoint to unmap them (tensors read afterwards fail).
 */
public final class HfCheckpoint implements AutoCloseable {
    public static final String CONFIG = "config.json", SINGLE = "model.safetensors", INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final Map<String, Object> config;
    private final Map<String, MappedTensor> tensors;
    private final Map<String, String> shardOf;
    private final List<String> shards;
    private final Arena arena;

    private HfCheckpoint(Path dir, Map<String, Object> config, Map<String, MappedTensor> tensors, Map<String, String> shardOf,
                         List<String> shards, Arena arena) {
        this.dir = dir;
        this.config = config;
        this.tensors = tensors;
        this.shardOf = shardOf;
        this.shards = shards;
        this.arena = arena;
    }

    /** Opens dir, validating the config's JSON, the index and every shard's header. */
    public static HfCheckpoint open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir.toString(), null, "model directory not found");
        Map<String, Object> config = readJson(dir.resolve(CONFIG), "model config");
        Arena arena = Arena.ofShared();
        try {
            Map<String, MappedTensor> tensors = new LinkedHashMap<>();
            Map<String, String> shardOf = new LinkedHashMap<>();
            List<String> shards = new ArrayList<>();
            Path index = dir.resolve(INDEX);
            if (Files.isRegularFile(index)) {
                Map<String, Object> idx = readJson(index, "shard index");
                if (!(idx.get("weight_map") instanceof Map<?, ?> weightMap) || weightMap.isEmpty())
                    throw new CheckpointFormatException(index + ": no weight_map");
                Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
                for (var e : weightMap.entrySet()) {
                    String name = String.valueOf(e.getKey());
                    if (!(e.getValue() instanceof String file) || file.isEmpty() || file.contains("/") || file.contains("\\") || file.startsWith("."))
                        throw new CheckpointFormatException(index + ": tensor '" + name + "' maps to an invalid shard name " + e.getValue());
                    SafetensorsFile shard = opened.get(file);
                    if (shard == null) {
                        Path p = dir.resolve(file);
                        if (!Files.isRegularFile(p)) throw new CheckpointFormatException(index + " names shard " + file + ", which is missing");
                        shard = SafetensorsFile.open(p, arena);
                        opened.put(file, shard);
                        shards.add(file);
                    }
                    MappedTensor t = shard.tensors().get(name);
                    if (t == null) throw new CheckpointFormatException(index + " puts tensor '" + name + "' in " + file + ", which does not hold it");
                    tensors.put(name, t);
                    shardOf.put(name, file);
                }
            } else if (Files.isRegularFile(dir.resolve(SINGLE))) {
                SafetensorsFile f = SafetensorsFile.open(dir.resolve(SINGLE), arena);
                tensors.putAll(f.tensors());
                for (String n : f.tensors().keySet()) shardOf.put(n, SINGLE);
                shards.add(SINGLE);
            } else if (Files.exists(dir.resolve("pytorch_model.bin")) || Files.exists(dir.resolve("pytorch_model.bin.index.json"))) {
                throw new CheckpointFormatException(dir + " holds PyTorch pickle weights (pytorch_model.bin), which jprune does not read: save it with safetensors");
            } else {
                throw new NoSuchFileException(dir.toString(), null, "no " + SINGLE + " or " + INDEX + " in the model directory");
            }
            return new HfCheckpoint(dir, Collections.unmodifiableMap(config), Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(shardOf), List.copyOf(shards), arena);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    static Map<String, Object> readJson(Path file, String what) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, what + " not found");
        try {
            return Json.parseObject(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage());
        } catch (java.nio.charset.MalformedInputException e) {
            throw new CheckpointFormatException(file + ": not UTF-8 text");
        }
    }

    public Path dir() {
        return dir;
    }

    /** config.json as parsed (numbers are Long or Double). */
    public Map<String, Object> config() {
        return config;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor called name, or a one-line error naming the checkpoint and the tensor. */
    public MappedTensor tensor(String name) throws CheckpointFormatException {
        MappedTensor t = tensors.get(name);
        if (t == null) throw new CheckpointFormatException(dir + ": checkpoint has no tensor '" + name + "'");
        return t;
    }

    /** All tensors in file order. */
    public Map<String, MappedTensor> tensors() {
        return tensors;
    }

    /** The shard file holding each tensor ({@value #SINGLE} when not sharded). */
    public Map<String, String> shardOf() {
        return shardOf;
    }

    public boolean sharded() {
        return !shards.equals(List.of(SINGLE));
    }

    /** The most common float dtype among the tensors (by bytes): the one to write back in. */
    public DType dtype() {
        Map<DType, Long> bytes = new java.util.EnumMap<>(DType.class);
        for (MappedTensor t : tensors.values()) if (t.dtype() != null) bytes.merge(t.dtype(), t.data().byteSize(), Long::sum);
        return bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(DType.F32);
    }

    /** Bytes of all tensor data. */
    public long totalBytes() {
        long s = 0;
        for (MappedTensor t : tensors.values()) s += t.data().byteSize();
        return s;
    }

    @Override
    public void close() {
        arena.close();
    }
}
