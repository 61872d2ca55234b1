package jprune.lm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** decode(encode(s)) == s for any well-formed string, with both committed tokenizers. */
class TokenizerRoundTripTest {
    private static final Tokenizer GPT2 = load("gpt2-bpe");
    private static final Tokenizer LLAMA = load("llama3");

    private static Tokenizer load(String name) {
        try {
            return Tokenizers.load(Repo.root().resolve("bin/peers/tokenizers/" + name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> anyCodePoint = Arbitraries.integers().between(0, 0x10FFFF)
                .filter(cp -> cp < 0xD800 || cp > 0xDFFF).map(Character::toString);
        Arbitrary<String> supplementary = Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString);
        Arbitrary<String> spaces = Arbitraries.of(" ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u0085", "\u3000", "\u2028", "\ufeff", "\u000b")
                .list().ofMinSize(1).ofMaxSize(8).map(l -> String.join("", l));
        Arbitrary<String> words = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> digits = Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(14);
        Arbitrary<String> contractions = Arbitraries.of("'s", "'S", "'t", "'T", "'re", "'RE", "'ve", "'VE", "'m", "'M", "'ll", "'LL", "'d", "'D", "'", "''");
        Arbitrary<String> emoji = Arbitraries.of("😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵", "e\u0301", "\u0915\u094d\u0937", "日本語", "مرحبا", "𝐀𝐁");
        Arbitrary<String> specials = Arbitraries.of("<|endoftext|>", "<|begin_of_text|>", "<|end_of_text|>", "<|", "|>");
        Arbitrary<String> piece = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, anyCodePoint), net.jqwik.api.Tuple.of(2, supplementary), net.jqwik.api.Tuple.of(4, spaces),
                net.jqwik.api.Tuple.of(5, words), net.jqwik.api.Tuple.of(2, digits), net.jqwik.api.Tuple.of(2, contractions),
                net.jqwik.api.Tuple.of(2, emoji), net.jqwik.api.Tuple.of(1, specials));
        return piece.list().ofMaxSize(30).map(l -> String.join("", l));
    }

    @Property(tries = 400)
    void gpt2RoundTrips(@ForAll("texts") String s) {
        assertEquals(s, GPT2.decode(GPT2.encode(s)));
    }

    @Property(tries = 400)
    void llama3RoundTripsAndAddsBos(@ForAll("texts") String s) {
        int[] plain = LLAMA.encode(s);
        assertEquals(s, LLAMA.decode(plain));
        int[] withBos = LLAMA.encode(s, true);
        assertEquals(plain.length + 1, withBos.length);
        assertEquals(LLAMA.tokenId("<|begin_of_text|>"), withBos[0]);
        assertEquals(s, LLAMA.decode(java.util.Arrays.copyOfRange(withBos, 1, withBos.length)));
    }

    @Property(tries = 200)
    void concatenatingAtAnAddedTokenConcatenatesIds(@ForAll("texts") String a, @ForAll("texts") String b) {
        // An added token is a hard boundary: what is on either side is encoded on its own.
        int[] whole = GPT2.encode(a + "<|endoftext|>" + b);
        int[] left = GPT2.encode(a);
        int[] right = GPT2.encode(b);
        // "<|endoftext|>" overlaps no copy of itself, so its match right after a is always found.
        int[] expected = new int[left.length + 1 + right.length];
        System.arraycopy(left, 0, expected, 0, left.length);
        expected[left.length] = GPT2.tokenId("<|endoftext|>");
        System.arraycopy(right, 0, expected, left.length + 1, right.length);
        assertArrayEquals(expected, whole);
    }

    @Property(tries = 100)
    void loneSurrogatesEncodeAsReplacementCharacter(@ForAll("texts") String s) {
        String broken = s + "\uD800" + s;
        assertEquals(s + "\uFFFD" + s, GPT2.decode(GPT2.encode(broken)));
    }
}
