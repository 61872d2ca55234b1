package jprune.lm.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a byte-level BPE tokenizer the way Hugging Face's BpeTrainer does, deterministically.
 *
 * <ol>
 *   <li>The text is cut at the special tokens (which are never learned from), split with the
 *       pre-tokenizer pattern, and each pre-token's UTF-8 bytes mapped to the byte alphabet; equal
 *       pre-tokens are counted once with their frequency.</li>
 *   <li>Ids: the special tokens first, in the order given; then the 256 byte characters in
 *       code-point order (what tokenizers' trainer does with the ByteLevel alphabet); then one id
 *       per merge that makes a new string.</li>
 *   <li>Each step merges the adjacent pair with the highest total count; ties go to the pair with
 *       the smaller first id, then the smaller second id. Within a word occurrences merge left to
 *       right. Training stops when the vocabulary reaches {@code vocabSize}, or the best count is
 *       below {@code minFrequency}. A merge whose string already exists (made by another pair)
 *       is recorded without a new id.</li>
 * </ol>
 * Pair counts are kept over the unique words and updated incrementally around each merge, with a
 * lazily re-checked priority queue, so a step costs time in proportion to the words it touches.
 * The same input and settings give the same vocabulary and merges.
 */
public final class BpeTrainer {
    private final int vocabSize;
    private final int minFrequency;
    private final List<String> specialTokens;
    private final String pattern;

    /**
     * @param vocabSize the target size, special tokens and the 256 byte tokens included
     * @param minFrequency a pair occurring fewer times is never merged (at least 1)
     * @param specialTokens e.g. {@code <|endoftext|>}; given ids 0, 1, ...
     * @param pattern the pre-tokenizer regex, e.g. {@link PreTokenizer#GPT2_PATTERN}
     */
    public BpeTrainer(int vocabSize, int minFrequency, List<String> specialTokens, String pattern) {
        if (vocabSize < specialTokens.size() + 256) {
            throw new IllegalArgumentException("vocab size " + vocabSize + " is too small: it must hold the " + specialTokens.size()
                    + " special tokens and the 256 byte tokens (at least " + (specialTokens.size() + 256) + ")");
        }
        if (minFrequency < 1) throw new IllegalArgumentException("min frequency must be at least 1, got " + minFrequency);
        if (specialTokens.stream().distinct().count() != specialTokens.size()) throw new IllegalArgumentException("special tokens repeat: " + specialTokens);
        for (String s : specialTokens) if (s.isEmpty()) throw new IllegalArgumentException("a special token is empty");
        this.vocabSize = vocabSize;
        this.minFrequency = minFrequency;
        this.specialTokens = List.copyOf(specialTokens);
        this.pattern = pattern;
    }

    public Tokenizer train(String text) {
        return train(List.of(text));
    }

    /** Trains on several texts (documents or lines); no pre-token spans two of them. */
    public Tokenizer train(Iterable<String> texts) {
        PreTokenizer pre = PreTokenizer.forPattern(pattern);
        List<AddedToken> specials = new ArrayList<>();
        for (int i = 0; i < specialTokens.size(); i++) specials.add(AddedToken.special(i, specialTokens.get(i)));
        Map<String, int[]> wordCounts = countWords(texts, pre, new AddedVocabulary(specials));

        List<String> tokens = new ArrayList<>(specialTokens);
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) ids.put(tokens.get(i), i);
        for (char c : ByteLevelAlphabet.sortedAlphabet()) {
            ids.put(String.valueOf(c), tokens.size());
            tokens.add(String.valueOf(c));
        }
        List<String[]> merges = new Merger(wordCounts, ids, tokens).run();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) vocab.put(tokens.get(i), i);
        return new Tokenizer(new BpeModel(vocab, merges, false, null, false), pre, specials, PostProcessor.byteLevel());
    }

    private static Map<String, int[]> countWords(Iterable<String> texts, PreTokenizer pre, AddedVocabulary specials) {
        Map<String, int[]> counts = new HashMap<>();
        List<String> pieces = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        for (String text : texts) {
            specials.split(text, new AddedVocabulary.Sink() {
                @Override
                public void text(String piece) {
                    pieces.clear();
                    pre.split(piece, pieces);
                    for (String p : pieces) {
                        sb.setLength(0);
                        Tokenizer.toAlphabet(p, sb);
                        counts.computeIfAbsent(sb.toString(), k -> new int[1])[0]++;
                    }
                }

                @Override
                public void token(AddedToken token) {}
            });
        }
        return counts;
    }

    /** The merge loop over unique words. */
    private final class Merger {
        private final int[][] words;
        private final int[] lengths;
        private final int[] freq;
        private final Map<String, Integer> ids;
        private final List<String> tokens;
        private final LongIntMap slotOf = new LongIntMap(1 << 16);
        private int[] slotCount = new int[1 << 16];
        private IntList[] slotWords = new IntList[1 << 16];
        private long[] slotPair = new long[1 << 16];
        private int slots;

        Merger(Map<String, int[]> wordCounts, Map<String, Integer> ids, List<String> tokens) {
            this.ids = ids;
            this.tokens = tokens;
            // Sorted so that the order of word indices (and so of every update) does not depend on hashing.
            List<String> keys = new ArrayList<>(wordCounts.keySet());
            keys.sort(null);
            words = new int[keys.size()][];
            lengths = new int[keys.size()];
            freq = new int[keys.size()];
            for (int w = 0; w < keys.size(); w++) {
                String k = keys.get(w);
                int[] s = new int[k.length()];
                for (int i = 0; i < k.length(); i++) s[i] = ids.get(String.valueOf(k.charAt(i)));
                words[w] = s;
                lengths[w] = s.length;
                freq[w] = wordCounts.get(k)[0];
            }
        }

        private int slot(long pair) {
            int s = slotOf.get(pair, -1);
            if (s >= 0) return s;
            if (slots == slotCount.length) {
                slotCount = java.util.Arrays.copyOf(slotCount, slots * 2);
                slotWords = java.util.Arrays.copyOf(slotWords, slots * 2);
                slotPair = java.util.Arrays.copyOf(slotPair, slots * 2);
            }
            slotOf.put(pair, slots);
            slotPair[slots] = pair;
            slotWords[slots] = new IntList(4);
            return slots++;
        }

        List<String[]> run() {
            for (int w = 0; w < words.length; w++) {
                int[] s = words[w];
                for (int i = 0; i + 1 < s.length; i++) {
                    int sl = slot(LongIntMap.pair(s[i], s[i + 1]));
                    slotCount[sl] += freq[w];
                    IntList where = slotWords[sl];
                    if (where.size() == 0 || where.get(where.size() - 1) != w) where.add(w);
                }
            }
            PairQueue queue = new PairQueue();
            slotOf.forEach((pair, sl) -> {
                if (slotCount[sl] > 0) queue.push(slotCount[sl], pair);
            });
            List<String[]> merges = new ArrayList<>();
            int[] seen = new int[words.length];
            java.util.Arrays.fill(seen, -1);
            IntList grown = new IntList(64);
            while (ids.size() < vocabSize && !queue.isEmpty()) {
                int count = queue.topCount();
                long pair = queue.topPair();
                queue.pop();
                int sl = slotOf.get(pair, -1);
                int current = slotCount[sl];
                if (count != current) {
                    if (current > 0) queue.push(current, pair);
                    continue;
                }
                if (current < 1 || current < minFrequency) break;
                int a = LongIntMap.first(pair);
                int b = LongIntMap.second(pair);
                String merged = tokens.get(a) + tokens.get(b);
                Integer existing = ids.get(merged);
                int c;
                if (existing != null) {
                    c = existing;
                } else {
                    c = tokens.size();
                    tokens.add(merged);
                    ids.put(merged, c);
                }
                int step = merges.size();
                merges.add(new String[] {tokens.get(a), tokens.get(b)});
                grown.clear();
                IntList where = slotWords[sl];
                for (int k = 0; k < where.size(); k++) {
                    int w = where.get(k);
                    if (seen[w] == step) continue;
                    seen[w] = step;
                    mergeInWord(w, a, b, c, grown);
                }
                slotCount[sl] = 0;
                for (int k = 0; k < grown.size(); k++) {
                    int g = grown.get(k);
                    if (slotCount[g] > 0) queue.push(slotCount[g], slotPair[g]);
                }
            }
            return merges;
        }

        private void change(long pair, int delta, int w, IntList grown) {
            int sl = slot(pair);
            slotCount[sl] += delta;
            if (delta > 0) {
                IntList where = slotWords[sl];
                if (where.size() == 0 || where.get(where.size() - 1) != w) where.add(w);
                grown.add(sl);
            }
        }

        /** Merges every (a, b) in word w left to right, updating the pair counts around each. */
        private void mergeInWord(int w, int a, int b, int c, IntList grown) {
            int[] s = words[w];
            int len = lengths[w];
            int f = freq[w];
            int r = 0;
            int out = 0;
            while (r < len) {
                if (r + 1 < len && s[r] == a && s[r + 1] == b) {
                    if (out > 0) {
                        change(LongIntMap.pair(s[out - 1], a), -f, w, grown);
                        change(LongIntMap.pair(s[out - 1], c), f, w, grown);
                    }
                    if (r + 2 < len) {
                        change(LongIntMap.pair(b, s[r + 2]), -f, w, grown);
                        change(LongIntMap.pair(c, s[r + 2]), f, w, grown);
                    }
                    s[out++] = c;
                    r += 2;
                } else {
                    s[out++] = s[r++];
                }
            }
            lengths[w] = out;
        }
    }
}
