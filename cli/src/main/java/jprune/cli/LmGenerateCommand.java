package jprune.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import jprune.lm.generate.Generator;
import jprune.lm.generate.Sampler;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.DecoderModel;
import jprune.lm.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jprune lm generate}: text from a prompt, streamed as it is produced. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Continues a prompt, printing the text as tokens are produced (greedy unless --temperature > 0).",
                "Timing (prefill seconds, decode tokens/s) goes to stderr."})
final class LmGenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face checkpoint directory with tokenizer files.")
    Path model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The text to continue.")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "64", paramLabel = "N", description = "Tokens to generate at most. Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "Sampling temperature; 0 = greedy. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Sample only from the K most likely tokens (0 = all). Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    ThreadOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        if (maxNewTokens < 1) throw new UsageException("--max-new-tokens must be >= 1, got " + maxNewTokens);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) throw new UsageException("--temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new UsageException("--top-k must be >= 0, got " + topK);
        try (HfCheckpoint ck = LmModels.open(model)) {
            DecoderModel m = DecoderModel.open(ck);
            Tokenizer tok = LmModels.tokenizer(model, m.config());
            int[] ids = tok.encode(prompt, true);
            if (ids.length == 0) throw new UsageException("--prompt is empty after tokenization");
            if (ids.length >= m.config().maxPositions())
                throw new UsageException("--prompt has " + ids.length + " tokens; the model's context is " + m.config().maxPositions());
            Integer eos = m.config().eosTokenId();
            PrintStream outStream = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            outStream.print(prompt);
            int[] produced = new int[maxNewTokens];
            int[] count = {0};
            int[] printed = {0};
            Generator.Result r = new Generator(m).generate(ids, maxNewTokens, new Sampler(temperature, topK, seed), eos == null ? -1 : eos, id -> {
                produced[count[0]++] = id;
                if (eos != null && id == eos) return true;
                String text = tok.decode(Arrays.copyOf(produced, count[0]), true);
                // Hold back a character cut in half by a token boundary until its last byte arrives.
                int upTo = text.endsWith("\uFFFD") ? text.length() - 1 : text.length();
                if (upTo > printed[0]) {
                    outStream.print(text.substring(printed[0], upTo));
                    printed[0] = upTo;
                }
                return true;
            });
            String all = tok.decode(Arrays.copyOf(produced, count[0]), true);
            if (all.length() > printed[0]) outStream.print(all.substring(printed[0]));
            outStream.println();
            System.err.printf(Locale.ROOT, "lm generate: %d prompt tokens in %.2f s, %d new tokens at %.2f tokens/s"
                    + " (a fresh JVM, the JIT compiling as it ran; lm bench measures warm speed)%n", r.promptTokens(), r.prefillSeconds(),
                    r.tokens().length, r.decodeTokensPerSecond());
        }
        return 0;
    }
}
