package jprune.lm.tokenizer;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The BPE model of a byte-level tokenizer: a vocabulary, ranked merges, and the merge loop that
 * turns one pre-token (already mapped to {@link ByteLevelAlphabet} characters) into ids.
 *
 * <p>The merge loop applies, again and again, the merge of lowest rank among adjacent symbol
 * pairs, the leftmost one when that pair occurs more than once, until no adjacent pair has a
 * merge: the order Hugging Face's {@code tokenizers} uses. With {@code ignoreMerges} (Llama 3) a
 * pre-token that is itself in the vocabulary is emitted whole without merging. A character
 * missing from the vocabulary becomes the unknown token if there is one (fused with a preceding
 * unknown when {@code fuseUnk}), and is dropped otherwise.
 */
public final class BpeModel {
    private final String[] idToToken;
    private final Map<String, Integer> tokenToId;
    private final List<String[]> merges;
    private final LongIntMap mergeRank;
    private final int[] mergeResult;
    private final boolean ignoreMerges;
    private final int unkId;
    private final boolean fuseUnk;
    private final int[] charId;

    /**
     * @param vocab token → id (ids need not be contiguous but must be non-negative and distinct)
     * @param merges pairs in rank order; both parts and their concatenation must be in the vocabulary
     * @param unkToken the unknown token, or null for none
     * @throws TokenizerFormatException naming the first bad entry
     */
    public BpeModel(Map<String, Integer> vocab, List<String[]> merges, boolean ignoreMerges, String unkToken, boolean fuseUnk) {
        int max = -1;
        Map<Integer, String> seen = new HashMap<>();
        for (var e : vocab.entrySet()) {
            int id = e.getValue();
            if (id < 0) throw new TokenizerFormatException("vocabulary: token " + quote(e.getKey()) + " has negative id " + id);
            String prev = seen.put(id, e.getKey());
            if (prev != null) throw new TokenizerFormatException("vocabulary: tokens " + quote(prev) + " and " + quote(e.getKey()) + " share id " + id);
            max = Math.max(max, id);
        }
        if (max >= 16_000_000) throw new TokenizerFormatException("vocabulary: id " + max + " is too large (at most 15999999)");
        this.idToToken = new String[max + 1];
        for (var e : vocab.entrySet()) idToToken[e.getValue()] = e.getKey();
        this.tokenToId = Map.copyOf(vocab);
        this.merges = List.copyOf(merges);
        this.mergeRank = new LongIntMap(merges.size());
        this.mergeResult = new int[merges.size()];
        for (int r = 0; r < merges.size(); r++) {
            String[] m = merges.get(r);
            Integer a = vocab.get(m[0]);
            Integer b = vocab.get(m[1]);
            String missing = a == null ? m[0] : b == null ? m[1] : null;
            if (missing != null) {
                throw new TokenizerFormatException("merge " + (r + 1) + " (" + quote(m[0]) + " " + quote(m[1]) + ") names token "
                        + quote(missing) + ", which is not in the vocabulary");
            }
            Integer c = vocab.get(m[0] + m[1]);
            if (c == null) {
                throw new TokenizerFormatException("merge " + (r + 1) + " (" + quote(m[0]) + " " + quote(m[1]) + ") makes "
                        + quote(m[0] + m[1]) + ", which is not in the vocabulary");
            }
            long key = LongIntMap.pair(a, b);
            // A repeated merge takes its last rank: the reference fills a hash map in file order.
            mergeRank.put(key, r);
            mergeResult[r] = c;
        }
        this.ignoreMerges = ignoreMerges;
        if (unkToken != null && !vocab.containsKey(unkToken)) {
            throw new TokenizerFormatException("unk_token " + quote(unkToken) + " is not in the vocabulary");
        }
        this.unkId = unkToken == null ? -1 : vocab.get(unkToken);
        this.fuseUnk = fuseUnk;
        this.charId = new int[0x144];
        for (int i = 0; i < charId.length; i++) {
            Integer id = vocab.get(String.valueOf((char) i));
            charId[i] = id == null ? -1 : id;
        }
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "\"";
    }

    /** One more than the largest id. */
    public int size() {
        return idToToken.length;
    }

    /** The token with this id, or null if there is none. */
    public String token(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    /** The id of this token, or -1. */
    public int id(String token) {
        Integer id = tokenToId.get(token);
        return id == null ? -1 : id;
    }

    /** The vocabulary, token → id. */
    public Map<String, Integer> vocab() {
        return tokenToId;
    }

    /** The merges in rank order (unmodifiable; do not change the arrays). */
    public List<String[]> merges() {
        return Collections.unmodifiableList(merges);
    }

    public boolean ignoresMerges() {
        return ignoreMerges;
    }

    public String unkToken() {
        return unkId < 0 ? null : idToToken[unkId];
    }

    public boolean fusesUnk() {
        return fuseUnk;
    }

    /** The ids of one pre-token written in alphabet characters. */
    int[] merge(String word) {
        if (ignoreMerges) {
            Integer whole = tokenToId.get(word);
            if (whole != null) return new int[] {whole};
        }
        int n = 0;
        int[] sym = new int[word.length()];
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int len = Character.charCount(cp);
            int id = cp < charId.length ? charId[cp] : -1;
            if (id < 0 && cp >= charId.length) {
                Integer other = tokenToId.get(word.substring(i, i + len));
                id = other == null ? -1 : other;
            }
            i += len;
            if (id >= 0) sym[n++] = id;
            else if (unkId >= 0 && !(fuseUnk && n > 0 && sym[n - 1] == unkId)) sym[n++] = unkId;
        }
        if (n < 2 || mergeResult.length == 0) return java.util.Arrays.copyOf(sym, n);
        return n <= 16 ? mergeByScan(sym, n) : mergeByHeap(sym, n);
    }

    private int rank(int a, int b) {
        return mergeRank.get(LongIntMap.pair(a, b), -1);
    }

    /** Short words: rescan for the best pair after every merge. */
    int[] mergeByScan(int[] sym, int n) {
        while (n > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < n; i++) {
                int r = rank(sym[i], sym[i + 1]);
                if (r >= 0 && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) break;
            sym[best] = mergeResult[bestRank];
            System.arraycopy(sym, best + 2, sym, best + 1, n - best - 2);
            n--;
        }
        return java.util.Arrays.copyOf(sym, n);
    }

    /**
     * Long words: a heap of (rank, position) over a linked list of symbols, stale entries skipped
     * when popped, so a long run of one character costs n log n instead of n².
     */
    int[] mergeByHeap(int[] sym, int n) {
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            int r = rank(sym[i], sym[i + 1]);
            if (r >= 0) heap.push(((long) r << 32) | i);
        }
        boolean[] dead = new boolean[n];
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int r = (int) (top >>> 32);
            int i = (int) top;
            if (dead[i] || next[i] < 0 || rank(sym[i], sym[next[i]]) != r) continue;
            int j = next[i];
            sym[i] = mergeResult[r];
            dead[j] = true;
            next[i] = next[j];
            if (next[j] >= 0) prev[next[j]] = i;
            if (prev[i] >= 0) {
                int pr = rank(sym[prev[i]], sym[i]);
                if (pr >= 0) heap.push(((long) pr << 32) | prev[i]);
            }
            if (next[i] >= 0) {
                int nr = rank(sym[i], sym[next[i]]);
                if (nr >= 0) heap.push(((long) nr << 32) | i);
            }
        }
        IntList out = new IntList(n);
        for (int i = 0; i >= 0; i = next[i]) out.add(sym[i]);
        return out.toArray();
    }
}
