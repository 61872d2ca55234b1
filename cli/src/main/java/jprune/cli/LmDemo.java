package jprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

    private LmDemo() {}

    static int run(Path dir, boolean retrain, CommonOptions common) throws Exception {
        Path model = dir.resolve("model");
        if (retrain || !Files.exists(model.resolve("metrics.json"))) {
            List<String> args = new ArrayList<>(List.of("--out", model.toString()));
            if (common.threads != null) args.addAll(List.of("--threads", common.threads.toString()));
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
            Generator.Result r = new Generator(lm).generate(tok.encode(PROMPT, false), 48, new Sampler(0.8, 40, 1), eos == null ? -1 : eos, null);
            System.out.println();
            System.out.printf(Locale.ROOT, "%s, %,d parameters, trained on %,d tokens of Brown at %,.0f tokens/s%n", m.get("arch"),
                    ((Number) m.get("parameters")).longValue(), ((Number) m.get("tokens_trained")).longValue(), ((Number) m.get("tokens_per_second")).doubleValue());
            System.out.printf(Locale.ROOT, "test perplexity %.2f (Brown test split, windows of %s tokens)%n", ((Number) m.get("test_perplexity")).doubleValue(), m.get("seqlen"));
            System.out.println("sample (temperature 0.8, top-40, seed 1):");
            System.out.println("  " + PROMPT + tok.decode(r.tokens(), true).replace("\n", "\n  "));
            System.out.printf(Locale.ROOT, "decoding: %.1f tokens/s (batch 1, KV cache)%n", r.decodeTokensPerSecond());
            System.out.println("model: " + model + " (a Hugging Face layout directory; try: ./jprune lm generate --model " + model + " --prompt ...)");
        }
        return 0;
    }
}
