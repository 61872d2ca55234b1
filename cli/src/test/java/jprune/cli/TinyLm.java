package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import jprune.lm.hf.DType;
import jprune.lm.model.LmConfig;
import jprune.lm.model.RandomCheckpoint;
import jprune.nn.io.Json;

/** The tiny random Llama (BF16, grouped-query attention) with a real GPT-2 tokenizer that the lm command tests run on, and a text for it. */
final class TinyLm {
    private TinyLm() {}

    /** Writes the model into dir/tiny and returns that directory. */
    static Path model(Path dir) throws Exception {
        Path model = dir.resolve("tiny");
        LmConfig c = LmConfig.fromJson(Json.parseObject("{\"model_type\":\"llama\",\"vocab_size\":1501,\"hidden_size\":32,\"intermediate_size\":48,"
                + "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"max_position_embeddings\":64,\"eos_token_id\":1500}"));
        RandomCheckpoint.write(model, c, DType.BF16, 1, 0);
        Files.copy(Path.of("../bin/peers/tokenizers/gpt2-bpe/tokenizer.json"), model.resolve("tokenizer.json"));
        return model;
    }

    /** A text of a repeated sentence, lines times, as dir/text.txt. */
    static Path text(Path dir, int lines) throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "The Fulton County Grand Jury said Friday an investigation of recent primary elections produced no evidence.\n".repeat(lines));
        return text;
    }
}
