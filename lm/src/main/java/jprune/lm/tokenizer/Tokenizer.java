package jprune.lm.tokenizer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A byte-level BPE tokenizer: added tokens are cut out of the raw text, the rest is split into
 * pre-tokens, each pre-token's UTF-8 bytes are mapped to the {@link ByteLevelAlphabet} and merged
 * by the {@link BpeModel}. Ids equal those of Hugging Face's {@code tokenizers} for the same
 * tokenizer.json. {@code decode(encode(s))} gives back {@code s} for any well-formed string
 * (that the normalizer, if there is one, leaves unchanged).
 *
 * <p>Immutable and safe to share between threads. Load one with {@link Tokenizers#load}; train
 * one with {@link BpeTrainer}.
 */
public final class Tokenizer {
    private static final int CACHE_LIMIT = 200_000;

    private final Normalization normalization;
    private final BpeModel model;
    private final PreTokenizer preTokenizer;
    private final AddedVocabulary added;
    private final PostProcessor postProcessor;
    private final Map<Integer, AddedToken> addedById = new HashMap<>();
    private final Map<String, AddedToken> addedByContent = new HashMap<>();
    private final int size;
    /** Pre-token → ids: words repeat, so most pre-tokens skip the byte mapping and the merge loop. */
    private final Map<String, int[]> cache = new java.util.concurrent.ConcurrentHashMap<>();

    /** A tokenizer without normalizer, as byte-level BPE tokenizers usually are. */
    public Tokenizer(BpeModel model, PreTokenizer preTokenizer, List<AddedToken> addedTokens, PostProcessor postProcessor) {
        this(Normalization.none(), model, preTokenizer, addedTokens, postProcessor);
    }

    public Tokenizer(Normalization normalization, BpeModel model, PreTokenizer preTokenizer, List<AddedToken> addedTokens,
                     PostProcessor postProcessor) {
        this.normalization = normalization;
        this.model = model;
        this.preTokenizer = preTokenizer;
        this.added = new AddedVocabulary(addedTokens, normalization);
        this.postProcessor = postProcessor;
        int max = model.size() - 1;
        for (AddedToken t : addedTokens) {
            AddedToken prev = addedById.put(t.id(), t);
            if (prev != null) throw new TokenizerFormatException("added tokens " + BpeModel.quote(prev.content()) + " and "
                    + BpeModel.quote(t.content()) + " share id " + t.id());
            if (addedByContent.put(t.content(), t) != null) {
                throw new TokenizerFormatException("added token " + BpeModel.quote(t.content()) + " is listed twice");
            }
            String inModel = model.token(t.id());
            if (inModel != null && !inModel.equals(t.content())) {
                throw new TokenizerFormatException("added token " + BpeModel.quote(t.content()) + " has id " + t.id()
                        + ", which the model's vocabulary gives to " + BpeModel.quote(inModel));
            }
            max = Math.max(max, t.id());
        }
        this.size = max + 1;
    }

    /** Encodes without special tokens (what perplexity and training on raw text use). */
    public int[] encode(String text) {
        return encode(text, false);
    }

    /**
     * Encodes {@code text}; with {@code addSpecialTokens} the post-processor's tokens (Llama's BOS)
     * are added around it, as Hugging Face does by default.
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        IntList out = new IntList(text.length() / 3 + 4);
        if (addSpecialTokens) for (int id : postProcessor.prefix()) out.add(id);
        List<String> pieces = new ArrayList<>();
        StringBuilder mapped = new StringBuilder();
        added.split(text, new AddedVocabulary.Sink() {
            @Override
            public void text(String piece) {
                pieces.clear();
                preTokenizer.split(piece, pieces);
                for (String p : pieces) {
                    int[] ids = cache.get(p);
                    if (ids == null) {
                        mapped.setLength(0);
                        toAlphabet(p, mapped);
                        ids = model.merge(mapped.toString());
                        if (cache.size() >= CACHE_LIMIT) cache.clear();
                        cache.put(p, ids);
                    }
                    out.addAll(ids);
                }
            }

            @Override
            public void token(AddedToken token) {
                out.add(token.id());
            }
        });
        if (addSpecialTokens) for (int id : postProcessor.suffix()) out.add(id);
        return out.toArray();
    }

    /**
     * Appends the UTF-8 bytes of {@code s} as alphabet characters. A lone surrogate (not valid
     * Unicode) is encoded as U+FFFD, as JavaScript's TextEncoder does.
     */
    static void toAlphabet(String s, StringBuilder out) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isSurrogate((char) cp) && cp < 0x10000) cp = 0xFFFD;
            if (cp < 0x80) {
                out.append(ByteLevelAlphabet.charOf(cp));
            } else if (cp < 0x800) {
                out.append(ByteLevelAlphabet.charOf(0xC0 | cp >> 6)).append(ByteLevelAlphabet.charOf(0x80 | cp & 0x3F));
            } else if (cp < 0x10000) {
                out.append(ByteLevelAlphabet.charOf(0xE0 | cp >> 12)).append(ByteLevelAlphabet.charOf(0x80 | cp >> 6 & 0x3F))
                        .append(ByteLevelAlphabet.charOf(0x80 | cp & 0x3F));
            } else {
                out.append(ByteLevelAlphabet.charOf(0xF0 | cp >> 18)).append(ByteLevelAlphabet.charOf(0x80 | cp >> 12 & 0x3F))
                        .append(ByteLevelAlphabet.charOf(0x80 | cp >> 6 & 0x3F)).append(ByteLevelAlphabet.charOf(0x80 | cp & 0x3F));
            }
        }
    }

    /** Decodes ids to text, special tokens included as their content. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * Decodes ids: byte-level tokens become bytes and the bytes UTF-8 (ill-formed sequences as
     * U+FFFD, one per maximal subpart); added tokens become their content, and special ones are
     * left out when {@code skipSpecialTokens}.
     *
     * @throws IllegalArgumentException for an id that names no token
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder sb = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            AddedToken t = addedById.get(id);
            if (t != null) {
                if (skipSpecialTokens && t.special()) continue;
                flush(bytes, sb);
                sb.append(t.content());
                continue;
            }
            String token = model.token(id);
            if (token == null) throw new IllegalArgumentException("token id " + id + " is not in the vocabulary (ids 0.." + (size - 1) + ")");
            appendBytes(token, bytes);
        }
        flush(bytes, sb);
        return sb.toString();
    }

    /** A token's bytes: its characters mapped back through the alphabet, or its own UTF-8 if one is outside it. */
    private static void appendBytes(String token, ByteArrayOutputStream bytes) {
        for (int i = 0; i < token.length(); i++) {
            if (ByteLevelAlphabet.byteOf(token.charAt(i)) < 0) {
                bytes.writeBytes(token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
        }
        for (int i = 0; i < token.length(); i++) bytes.write(ByteLevelAlphabet.byteOf(token.charAt(i)));
    }

    private static void flush(ByteArrayOutputStream bytes, StringBuilder sb) {
        if (bytes.size() == 0) return;
        byte[] b = bytes.toByteArray();
        sb.append(Utf8.decode(b, b.length));
        bytes.reset();
    }

    /** One more than the largest id of the model's vocabulary and the added tokens: the embedding rows a model needs. */
    public int vocabSize() {
        return size;
    }

    /** The id of a token (added tokens first, then the model's vocabulary), or -1. */
    public int tokenId(String token) {
        AddedToken t = addedByContent.get(token);
        return t != null ? t.id() : model.id(token);
    }

    /** The token with this id (in alphabet characters for model tokens), or null. */
    public String token(int id) {
        AddedToken t = addedById.get(id);
        return t != null ? t.content() : model.token(id);
    }

    /** The added tokens, in file order. */
    public List<AddedToken> addedTokens() {
        return added.tokens();
    }

    /** The added tokens marked special, in file order. */
    public List<AddedToken> specialTokens() {
        return added.tokens().stream().filter(AddedToken::special).toList();
    }

    public Normalization normalization() {
        return normalization;
    }

    public BpeModel model() {
        return model;
    }

    public PreTokenizer preTokenizer() {
        return preTokenizer;
    }

    public PostProcessor postProcessor() {
        return postProcessor;
    }
}
