package jprune.lm.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.lm.eval.Perplexity;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.LmConfig;
import jprune.lm.tokenizer.BpeTrainer;
import jprune.lm.tokenizer.PreTokenizer;
import jprune.lm.tokenizer.Tokenizer;
import jprune.lm.tokenizer.TokenizerWriter;
import jprune.lm.tokenizer.Tokenizers;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.tensor.Parallel;

/**
 * A whole {@code lm train} run, for the command and for library users: a byte-level BPE tokenizer
 * trained on the training text (or one reused), the three texts tokenized, a model of the given
 * architecture trained, written as a Hugging Face directory with the tokenizer files, its test
 * perplexity measured by the inference forward of the written checkpoint
 * ({@link Perplexity}: non-overlapping windows of seqlen from the start), and DIR/metrics.json.
 */
public final class LmTrainRun {
    /** The special token the trained tokenizer holds (id 0), named as GPT-2's. */
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** Pairs seen fewer times are not merged by the tokenizer trainer. */
    static final int MIN_PAIR_FREQUENCY = 2;

    /** The three texts and where they came from. */
    public record Texts(String train, String validation, String test, String source) {}

    /** What to run: tokenizer (a directory to reuse, or the vocabulary size to train), architecture, recipe, output; testTokens > 0 scores only the test text's first tokens. */
    public record Options(Path tokenizerDir, int vocab, LmArchitecture architecture, LmTrainConfig train, Path out, Path dumpTokens, long testTokens) {}

    /** Progress of the phases and of training. */
    public interface Listener extends LmTrainer.Listener {
        default void phase(String message) {}

        default void window(int done, int total, double perplexity) {}
    }

    private LmTrainRun() {}

    /**
     * Splits one text into train, validation and test at line boundaries: the first 80% of its
     * characters, the next 10%, the last 10% (for --text FILE, which has no split of its own).
     */
    public static Texts split(String text, String source) {
        int a = lineBoundary(text, (int) (text.length() * 0.8)), b = lineBoundary(text, (int) (text.length() * 0.9));
        return new Texts(text.substring(0, a), text.substring(a, b), text.substring(b), source);
    }

    private static int lineBoundary(String text, int at) {
        int nl = text.indexOf('\n', at);
        return nl < 0 ? at : nl + 1;
    }

    /** Runs everything and returns the metrics written to out/metrics.json. */
    public static Map<String, Object> run(Texts texts, Options o, Listener listener) throws IOException {
        Listener l = listener == null ? new Listener() {} : listener;
        long start = System.nanoTime();
        Tokenizer tok;
        double tokenizerSeconds;
        Path tokFiles = Files.createTempDirectory("jprune-lm-tokenizer");
        try {
            long t0 = System.nanoTime();
            if (o.tokenizerDir() != null) {
                l.phase("loading the tokenizer of " + o.tokenizerDir());
                tok = Tokenizers.load(o.tokenizerDir());
            } else {
                l.phase("training a byte-level BPE tokenizer of " + o.vocab() + " tokens on " + texts.train().length() + " characters");
                tok = new BpeTrainer(o.vocab(), MIN_PAIR_FREQUENCY, List.of(END_OF_TEXT), PreTokenizer.GPT2_PATTERN).train(texts.train());
                if (tok.vocabSize() < o.vocab())
                    l.phase("the text ran out of pairs seen " + MIN_PAIR_FREQUENCY + " times or more: the tokenizer has " + tok.vocabSize()
                            + " tokens, not " + o.vocab());
            }
            TokenizerWriter.writeAll(tok, tokFiles, o.architecture().seqlen());
            tokenizerSeconds = (System.nanoTime() - t0) / 1e9;
            l.phase("tokenizing");
            t0 = System.nanoTime();
            int[] train = tok.encode(texts.train(), false), val = tok.encode(texts.validation(), false), test = tok.encode(texts.test(), false);
            double encodeSeconds = (System.nanoTime() - t0) / 1e9;
            int seqlen = o.architecture().seqlen();
            if (train.length < seqlen + 1) throw new IllegalArgumentException("the training text has " + train.length + " tokens, fewer than one window of --seqlen + 1 = " + (seqlen + 1));
            if (test.length < seqlen) throw new IllegalArgumentException("the test text has " + test.length + " tokens, fewer than one window of --seqlen " + seqlen);
            int eot = tok.tokenId(END_OF_TEXT);
            LmConfig config = o.architecture().config(tok.vocabSize(), eot >= 0 ? eot : null);
            TrainableDecoder model = new TrainableDecoder(config, o.train().seed());
            if (o.dumpTokens() != null) {
                l.phase("writing the tokens, batches and initial weights to " + o.dumpTokens());
                TrainingDump.write(o.dumpTokens(), model, o.train(), train, val, test);
            }
            l.phase(String.format(java.util.Locale.ROOT, "training %s: %,d parameters, %,d training tokens, %d steps of %d × %d tokens, %d threads",
                    config.modelType(), model.parameterCount(), train.length, o.train().steps(), o.train().batch(), seqlen, Parallel.threads()));
            LmTrainer.Result r = new LmTrainer(model, o.train()).train(train, val, l);
            l.phase("writing " + o.out());
            TrainedCheckpoint.write(o.out(), model, tokFiles);
            l.phase("test perplexity");
            Perplexity.Result ppl;
            try (HfCheckpoint ck = HfCheckpoint.open(o.out())) {
                ppl = Perplexity.evaluate(DecoderModel.open(ck), test, seqlen, o.testTokens(), l::window);
            }
            Map<String, Object> m = metrics(texts, o, config, model, r, ppl, train.length, val.length, test.length, tokenizerSeconds, encodeSeconds);
            m.put("seconds", (System.nanoTime() - start) / 1e9);
            AtomicFiles.writeString(o.out().resolve("metrics.json"), Json.write(m, true) + "\n");
            return m;
        } finally {
            try (var files = Files.list(tokFiles)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(tokFiles);
        }
    }

    private static Map<String, Object> metrics(Texts texts, Options o, LmConfig config, TrainableDecoder model, LmTrainer.Result r, Perplexity.Result ppl,
                                               int trainTokens, int valTokens, int testTokens, double tokenizerSeconds, double encodeSeconds) {
        LmTrainConfig c = o.train();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("arch", config.modelType());
        m.put("parameters", model.parameterCount());
        m.put("vocab", config.vocabSize());
        m.put("layers", config.layers());
        m.put("dim", config.hiddenSize());
        m.put("heads", config.heads());
        m.put("kv_heads", config.kvHeads());
        m.put("intermediate", config.intermediateSize());
        m.put("tied_embeddings", config.tiedEmbeddings());
        m.put("seqlen", c.seqlen());
        m.put("batch", c.batch());
        m.put("steps", c.steps());
        m.put("lr", c.lr());
        m.put("min_lr", c.lr() * c.minLrFraction());
        m.put("warmup", c.warmup());
        m.put("betas", List.of(c.beta1(), c.beta2()));
        m.put("weight_decay", c.weightDecay());
        m.put("clip_norm", c.clipNorm());
        m.put("seed", c.seed());
        m.put("threads", Parallel.threads());
        m.put("text", texts.source());
        m.put("tokenizer", o.tokenizerDir() == null ? "trained" : o.tokenizerDir().toString());
        m.put("train_tokens", trainTokens);
        m.put("validation_tokens", valTokens);
        m.put("test_tokens", testTokens);
        m.put("tokens_trained", r.tokens());
        m.put("train_seconds", r.trainSeconds());
        m.put("tokens_per_second", r.tokensPerSecond());
        m.put("eval_seconds", r.evalSeconds());
        m.put("tokenizer_seconds", tokenizerSeconds);
        m.put("tokenize_seconds", encodeSeconds);
        List<Map<String, Object>> history = new ArrayList<>();
        for (LmTrainer.Eval e : r.evals()) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("step", e.step());
            h.put("train_loss", e.trainLoss());
            h.put("val_loss", Double.isNaN(e.valLoss()) ? null : e.valLoss());
            h.put("tokens", e.tokens());
            h.put("train_seconds", e.trainSeconds());
            history.add(h);
        }
        m.put("history", history);
        m.put("final_val_loss", r.evals().isEmpty() || Double.isNaN(r.evals().getLast().valLoss()) ? null : r.evals().getLast().valLoss());
        m.put("test_perplexity", ppl.perplexity());
        m.put("test_windows", ppl.windows());
        m.put("test_tokens_scored", ppl.tokens());   // the windows' tokens, as lm eval's "tokens"
        m.put("test_tokens_predicted", ppl.predicted());
        m.put("test_eval_seconds", ppl.seconds());
        return m;
    }
}
