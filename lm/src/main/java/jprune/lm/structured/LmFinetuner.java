package jprune.lm.structured;

import jprune.lm.train.LmTrainConfig;
import jprune.lm.train.LmTrainer;
import jprune.lm.train.TrainableDecoder;

/**
 * The short fine-tuning that follows structured pruning: the compacted model trained on training
 * text with {@link LmTrainer}'s recipe (AdamW, weight decay on matrices only, gradient clipping at 1,
 * linear warm-up over the first 10% of the steps, then cosine decay to 10% of the peak rate).
 */
public final class LmFinetuner {
    /** The fine-tuning run's shape. */
    public record Settings(int steps, double lr, int batch, int seqlen, long seed) {
        public Settings {
            if (steps < 1) throw new IllegalArgumentException("--finetune-steps must be >= 1 to fine-tune, got " + steps);
            if (!(lr > 0 && lr <= 1)) throw new IllegalArgumentException("--finetune-lr must be in (0, 1], got " + lr);
            if (batch < 1) throw new IllegalArgumentException("--finetune-batch must be >= 1, got " + batch);
        }
    }

    private LmFinetuner() {}

    /** Trains w on the token stream train and returns the trained weights (same shapes, dtypes, shards). */
    public static LmWeights finetune(LmWeights w, int[] train, Settings s, LmTrainer.Listener listener) {
        if (s.seqlen() + 1 > train.length)
            throw new IllegalArgumentException("the fine-tuning text has " + train.length + " tokens, fewer than one window of " + (s.seqlen() + 1));
        TrainableDecoder model = w.trainable();
        LmTrainConfig config = LmTrainConfig.defaults(s.batch(), s.seqlen(), s.steps(), s.lr(), s.steps() / 10, 0, s.seed());
        new LmTrainer(model, config).train(train, null, listener);
        return w.with(model);
    }
}
