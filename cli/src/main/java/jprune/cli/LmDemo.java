package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jprune.lm.eval.DecodeBench;
import jprune.lm.generate.Generator;
import jprune.lm.generate.Sampler;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.DecoderModel;
import jprune.lm.tokenizer.Tokenizer;
import jprune.lm.tokenizer.Tokenizers;
import jprune.nn.io.Json;
import picocli.CommandLine;

/** {@code jprune demo lm}: a small language model trained on Brown, its test perplexity, a sample and decoding speed. */
final class LmDemo {
    static final String PROMPT = "The jury said";
    private static final int DECODE_TOKENS = 48, DECODE_ROUNDS = 9;

    private LmDemo() {}

    static int run(Path dir, boolean retrain, CommonOptions common) throws Exception {
        Path model = dir.resolve("model");
        if (retrain || !Files.exists(model.resolve("metrics.json"))) {
            List<String> args = new ArrayList<>(List.of("--out", model.toString()));
            if (common.threadsGiven() != null) args.addAll(List.of("--threads", common.threadsGiven().toString()));
            int code = new CommandLine(new LmTrainCommand()).execute(args.toArray(String[]::new));
            if (code != 0) return code;
        } else {
            System.err.println("reusing the language model in " + model + " (--retrain to train again)");
        }
        Map<String, Object> m = Json.parseObject(Files.readString(model.resolve("metrics.json")));
        try (HfCheckpoint ck = HfCheckpoint.open(model)) {
            DecoderModel lm = DecoderModel.open(ck);
            Tokenizer tok = Tokenizers.load(model);
            Integer eos = lm.config().eosTokenId();
            int[] prompt = tok.encode(PROMPT, false);
            Generator.Result r = new Generator(lm).generate(prompt, DECODE_TOKENS, new Sampler(0.8, 40, 1), eos == null ? -1 : eos, null);
            System.out.println();
            System.out.printf(Locale.ROOT, "%s, %,d parameters, trained on %,d tokens of Brown at %,.0f tokens/s%n", m.get("arch"),
                    ((Number) m.get("parameters")).longValue(), ((Number) m.get("tokens_trained")).longValue(), ((Number) m.get("tokens_per_second")).doubleValue());
            System.out.printf(Locale.ROOT, "test perplexity %.2f (Brown test split, windows of %s tokens)%n", ((Number) m.get("test_perplexity")).doubleValue(), m.get("seqlen"));
            System.out.println("sample (temperature 0.8, top-40, seed 1):");
            System.out.println("  " + PROMPT + tok.decode(r.tokens(), true).replace("\n", "\n  "));
            // The sample ran in a fresh JVM, mostly in the interpreter and while the JIT compiled: its speed says
            // little about decoding. The figure printed is warm, as lm bench measures it.
            int decodeTokens = Math.min(DECODE_TOKENS, lm.config().maxPositions() - prompt.length);
            DecodeBench.Result warm = DecodeBench.run(lm, prompt.length, decodeTokens, DECODE_ROUNDS, 1);
            System.out.printf(Locale.ROOT, "decoding (batch 1, KV cache): %,.0f tokens/s warm (median of %d rounds of %d tokens, %,.0f–%,.0f)%n",
                    warm.decodeTokensPerSecond(), DECODE_ROUNDS, decodeTokens, warm.decodeSpread()[0], warm.decodeSpread()[1]);
            System.out.printf(Locale.ROOT, "  the sample above: %,.0f tokens/s, in a fresh JVM with the JIT compiling as it ran%n", r.decodeTokensPerSecond());
            System.out.println("model: " + model + " (a Hugging Face layout directory; try: ./jprune lm generate --model " + model + " --prompt ...)");
        }
        return 0;
    }
}
