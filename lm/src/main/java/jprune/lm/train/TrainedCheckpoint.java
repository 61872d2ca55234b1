package jprune.lm.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jprune.lm.hf.DType;
import jprune.lm.hf.HfCheckpointWriter;

/** Writes a {@link TrainableDecoder} as a Hugging Face checkpoint directory (config.json and model.safetensors, F32). */
public final class TrainedCheckpoint {
    private TrainedCheckpoint() {}

    /**
     * Writes dir atomically (it appears whole or not at all); tokenizer files found in
     * sideFilesFrom (may be null) are copied into it.
     */
    public static void write(Path dir, TrainableDecoder model, Path sideFilesFrom) throws IOException {
        List<HfCheckpointWriter.Entry> entries = new ArrayList<>();
        for (TrainableDecoder.Stored s : model.exportTensors()) entries.add(HfCheckpointWriter.of(s.name(), DType.F32, s.shape(), s.values()));
        HfCheckpointWriter.write(dir, model.config().toJson(DType.F32.torchName()), entries, null, sideFilesFrom);
    }
}
