package jprune.lm.train;

import jprune.lm.model.LmConfig;
import jprune.nn.io.Json;
import jprune.tensor.Parallel;
import jprune.tensor.Rng;

/** Manual timing of training steps on a synthetic stream (not a test): java ... TrainSpeed gpt2|llama steps threads [dump dir]. */
public final class TrainSpeed {
    public static void main(String[] args) {
        String arch = args.length > 0 ? args[0] : "gpt2";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Parallel.setThreads(args.length > 2 ? Integer.parseInt(args[2]) : 2);
        LmConfig c = LmConfig.fromJson(Json.parseObject(arch.equals("gpt2")
                ? "{\"model_type\":\"gpt2\",\"vocab_size\":8192,\"n_embd\":256,\"n_head\":4,\"n_layer\":4,\"n_positions\":128}"
                : "{\"model_type\":\"llama\",\"vocab_size\":8192,\"hidden_size\":256,\"intermediate_size\":704,\"num_hidden_layers\":4,"
                + "\"num_attention_heads\":4,\"num_key_value_heads\":2,\"max_position_embeddings\":128,\"tie_word_embeddings\":true}"));
        int[] stream = new int[200_000];
        Rng r = new Rng(1);
        for (int i = 0; i < stream.length; i++) stream[i] = r.nextInt(c.vocabSize());
        TrainableDecoder m = new TrainableDecoder(c, 1);
        LmTrainConfig tc = LmTrainConfig.defaults(16, 128, steps, 1e-3, 2, 0, 1);
        if (args.length > 3) {
            try {
                TrainingDump.write(java.nio.file.Path.of(args[3]), m, tc, stream, java.util.Arrays.copyOf(stream, 20000), java.util.Arrays.copyOf(stream, 20000));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        long t0 = System.nanoTime();
        LmTrainer.Result res = new LmTrainer(m, tc).train(stream, null, new LmTrainer.Listener() {
            long last = System.nanoTime();

            @Override
            public void step(int step, double loss, double lr, double gradNorm) {
                long now = System.nanoTime();
                System.out.printf("step %d loss %.4f %.0f ms%n", step, loss, (now - last) / 1e6);
                last = now;
            }
        });
        System.out.printf("%s %,d params: %.0f tokens/s over %d steps (%.1f s)%n", arch, m.parameterCount(), res.tokensPerSecond(), steps, (System.nanoTime() - t0) / 1e9);
    }
}
