package jprune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.lm.hf.DType;
import jprune.lm.hf.HfCheckpointWriter;
import jprune.lm.model.LmConfig;
import jprune.lm.model.RandomCheckpoint;
import jprune.nn.io.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jprune lm init}: a checkpoint of a real model's shape with random weights, for speed and memory runs. */
@Command(name = "init", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes a Hugging Face checkpoint directory with random weights (normal, std 0.02) in the shape of a",
                "known model, for measuring speed and memory at real sizes without downloading anything.",
                "Presets: gpt2-124m (12 layers, 768 wide, 12 heads, vocabulary 50257), tinyllama-1.1b (22 layers, 2048 wide,",
                "32 heads, 4 KV heads, MLP 5632, vocabulary 32000), smollm2-135m (30 layers, 576 wide, 9 heads, 3 KV heads)."})
final class LmInitCommand implements Callable<Integer> {
    @Option(names = "--preset", required = true, paramLabel = "NAME", description = "gpt2-124m, tinyllama-1.1b or smollm2-135m.")
    String preset;

    @Option(names = "--dtype", paramLabel = "T", description = "F32, F16 or BF16. Default: the preset's (F32 for gpt2-124m, BF16 otherwise).")
    String dtype;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--max-shard-mb", defaultValue = "0", paramLabel = "MB",
            description = "Split the weights into shards of at most MB megabytes (0 = one file). Default: ${DEFAULT-VALUE}.")
    long maxShardMb;

    @Option(names = "--tokenizer-from", paramLabel = "DIR", description = "Copy tokenizer files from DIR (its vocabulary must fit the model's).")
    Path tokenizerFrom;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Checkpoint directory to write.")
    Path out;

    static final Map<String, String> PRESETS = Map.of(
            "gpt2-124m", "{\"model_type\":\"gpt2\",\"vocab_size\":50257,\"n_embd\":768,\"n_head\":12,\"n_layer\":12,\"n_positions\":1024,"
                    + "\"bos_token_id\":50256,\"eos_token_id\":50256}",
            "tinyllama-1.1b", "{\"model_type\":\"llama\",\"vocab_size\":32000,\"hidden_size\":2048,\"intermediate_size\":5632,"
                    + "\"num_hidden_layers\":22,\"num_attention_heads\":32,\"num_key_value_heads\":4,\"max_position_embeddings\":2048,"
                    + "\"rms_norm_eps\":1e-5,\"rope_theta\":10000.0,\"tie_word_embeddings\":false,\"bos_token_id\":1,\"eos_token_id\":2}",
            "smollm2-135m", "{\"model_type\":\"llama\",\"vocab_size\":49152,\"hidden_size\":576,\"intermediate_size\":1536,"
                    + "\"num_hidden_layers\":30,\"num_attention_heads\":9,\"num_key_value_heads\":3,\"max_position_embeddings\":8192,"
                    + "\"rms_norm_eps\":1e-5,\"rope_theta\":100000.0,\"tie_word_embeddings\":true,\"bos_token_id\":1,\"eos_token_id\":2}");

    @Override
    public Integer call() throws Exception {
        String json = PRESETS.get(preset.toLowerCase(Locale.ROOT));
        if (json == null) throw new UsageException("--preset must be one of " + String.join(", ", new java.util.TreeSet<>(PRESETS.keySet())) + ", got " + preset);
        LmConfig config = LmConfig.fromJson(Json.parseObject(json));
        DType t = dtype == null ? (config.family() == LmConfig.Family.GPT2 ? DType.F32 : DType.BF16) : DType.parse(dtype);
        if (t == null) throw new UsageException("--dtype must be F32, F16 or BF16, got " + dtype);
        if (maxShardMb < 0) throw new UsageException("--max-shard-mb must be >= 0, got " + maxShardMb);
        SavedModel.requireCheckpointOut(out);
        if (tokenizerFrom != null && !Files.isDirectory(tokenizerFrom)) throw new UsageException("--tokenizer-from: no directory " + tokenizerFrom);
        if (tokenizerFrom != null) {
            // Read it before anything is written: a directory without tokenizer files, a truncated
            // tokenizer.json or too big a vocabulary fails here, not at the first lm eval.
            try {
                LmModels.tokenizer(tokenizerFrom, config);
            } catch (IOException | RuntimeException e) {
                throw new UsageException("--tokenizer-from: " + Main.oneLine(e));
            }
        }
        long start = System.nanoTime();
        RandomCheckpoint.write(out, config, t, seed, maxShardMb * 1_000_000L);
        if (tokenizerFrom != null) {
            for (String f : HfCheckpointWriter.SIDE_FILES) {
                Path src = tokenizerFrom.resolve(f);
                if (Files.isRegularFile(src) && !f.equals("generation_config.json"))
                    Files.copy(src, out.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        System.out.printf(Locale.ROOT, "lm init: %s, %,d parameters, %s, written to %s in %.1f s%n", preset, config.parameterCount(), t, out,
                (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
