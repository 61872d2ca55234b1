package jprune.lm.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import jprune.lm.data.TrainingBatches;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;

/**
 * Everything a peer needs to train the same model on the same batches (bin/peers/lm_train_torch.py):
 * the recipe (run.json), the initial weights as a checkpoint (init/), the token streams and every
 * step's window starts as little-endian int32 files. Each file is written atomically.
 */
public final class TrainingDump {
    private TrainingDump() {}

    public static void write(Path dir, TrainableDecoder initial, LmTrainConfig c, int[] train, int[] val, int[] test) throws IOException {
        Files.createDirectories(dir);
        TrainedCheckpoint.write(dir.resolve("init"), initial, null);
        ints(dir.resolve("train.i32"), train);
        ints(dir.resolve("val.i32"), val);
        ints(dir.resolve("test.i32"), test);
        TrainingBatches batches = new LmTrainer(initial, c).batches(train);
        int[] starts = new int[c.steps() * c.batch()];
        for (int s = 0; s < c.steps(); s++) System.arraycopy(batches.batch(s).starts(), 0, starts, s * c.batch(), c.batch());
        ints(dir.resolve("starts.i32"), starts);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("batch", c.batch());
        run.put("seqlen", c.seqlen());
        run.put("steps", c.steps());
        run.put("lr", c.lr());
        run.put("warmup", c.warmup());
        run.put("min_lr_fraction", c.minLrFraction());
        run.put("beta1", c.beta1());
        run.put("beta2", c.beta2());
        run.put("eps", c.eps());
        run.put("weight_decay", c.weightDecay());
        run.put("clip_norm", c.clipNorm());
        run.put("eval_every", c.evalEvery());
        run.put("eval_windows", c.evalWindows());
        run.put("seed", c.seed());
        AtomicFiles.writeString(dir.resolve("run.json"), Json.write(run, true) + "\n");
    }

    private static void ints(Path file, int[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        AtomicFiles.write(file, b.array());
    }
}
