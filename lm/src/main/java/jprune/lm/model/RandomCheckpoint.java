package jprune.lm.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.lm.hf.DType;
import jprune.lm.hf.HfCheckpointWriter;
import jprune.tensor.Rng;

/**
 * Writes a checkpoint of a given shape with random weights (normal, std {@value #STD}, as
 * transformers initialises; norms around one; small biases), for measuring speed and memory at real
 * shapes without downloading anything. Each tensor draws from its own stream (seed, index), so the
 * same seed gives the same file, and tensors are generated one at a time straight into the output.
 */
public final class RandomCheckpoint {
    static final double STD = 0.02;

    private RandomCheckpoint() {}

    /** Writes dir; maxShardBytes ≤ 0 writes one file, otherwise shards of at most that many bytes (by tensor). */
    public static void write(Path dir, LmConfig config, DType dtype, long seed, long maxShardBytes) throws IOException {
        List<HfCheckpointWriter.Entry> entries = new ArrayList<>();
        Map<String, String> shardOf = new LinkedHashMap<>();
        List<TensorLayout.Spec> specs = TensorLayout.of(config);
        List<List<String>> shards = new ArrayList<>();
        long inShard = 0;
        for (int k = 0; k < specs.size(); k++) {
            TensorLayout.Spec s = specs.get(k);
            long bytes = s.numel() * dtype.bytes;
            if (shards.isEmpty() || (maxShardBytes > 0 && inShard > 0 && inShard + bytes > maxShardBytes)) {
                shards.add(new ArrayList<>());
                inShard = 0;
            }
            shards.get(shards.size() - 1).add(s.name());
            inShard += bytes;
            Rng rng = new Rng(seed).fork(k + 1);
            entries.add(new HfCheckpointWriter.Entry(s.name(), dtype.name(), s.shape(), dst -> {
                float[] chunk = new float[1 << 16];
                long n = s.numel();
                for (long done = 0; done < n; done += chunk.length) {
                    int m = (int) Math.min(chunk.length, n - done);
                    for (int i = 0; i < m; i++) chunk[i] = value(s.role(), rng);
                    dtype.write(chunk, 0, dst, done, m);
                }
            }));
        }
        if (shards.size() > 1) {
            for (int i = 0; i < shards.size(); i++) {
                String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                for (String name : shards.get(i)) shardOf.put(name, file);
            }
        }
        HfCheckpointWriter.write(dir, config.toJson(dtype.torchName()), entries, shards.size() > 1 ? shardOf : null, null);
    }

    private static float value(TensorLayout.Role role, Rng rng) {
        return switch (role) {
            case EMBEDDING, MATRIX -> (float) (rng.nextGaussian() * STD);
            case NORM_WEIGHT -> (float) (1 + 0.1 * rng.nextGaussian());
            case BIAS -> (float) (0.01 * rng.nextGaussian());
        };
    }
}
