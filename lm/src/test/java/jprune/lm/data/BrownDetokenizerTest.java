package jprune.lm.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BrownDetokenizerTest {
    static String join(String words) {
        return BrownDetokenizer.join(Arrays.asList(words.split(" ")));
    }

    @Test
    void punctuationAttachesToTheWordBefore() {
        assertEquals("Yes, no; maybe: so. Why? Now!", join("Yes , no ; maybe : so . Why ? Now !"));
        assertEquals("a (b) [c] {d} 50%", join("a ( b ) [ c ] { d } 50 %"));
    }

    @Test
    void doubleQuotesBecomeStraightQuotesThatHugTheirText() {
        assertEquals("He said, \"no evidence\" today.", join("He said , `` no evidence '' today ."));
        assertEquals("\"Go\" \"now\"", join("`` Go '' `` now ''"));
        assertEquals("\"(a)\"", join("`` ( a ) ''"));
    }

    @Test
    void aLoneDollarSignAttachesToTheAmount() {
        // The corpus writes $1,000 as one word; a lone $ (as other tokenizations have it) still joins.
        assertEquals("paid $5", join("paid $ 5"));
    }

    @Test
    void dashesKeepTheirSpacesAndSlashesJoin() {
        assertEquals("one -- two", join("one -- two"));
        assertEquals("-- The end", join("-- The end"));
        assertEquals("counts/minute", join("counts / minute"));
    }

    @Test
    void singleQuotesOpenAtTheStartAndCloseBeforePunctuation() {
        assertEquals("'simplicity' here", join("' simplicity ' here"));
        assertEquals("the 'parallel ladder' was", join("the ' parallel ladder ' was"));
        assertEquals("said, 'You're right'.", join("said , ' You're right ' ."));
        assertEquals("our honor'\".", join("our honor ' '' ."));
        assertEquals("('a') stays", join("( ' a ' ) stays"));
        assertEquals("better leave'!", join("better leave ' !"));
    }

    @Test
    void wordsAreKeptAsTheyAre() {
        assertEquals("don't Atlanta's 'em rock 'n' roll 1/4\"", join("don't Atlanta's 'em rock 'n' roll 1/4\""));
    }

    @Test
    void attachmentPredicates() {
        for (String w : new String[] {"''", ",", ".", ";", ":", "!", "?", ")", "]", "}", "%"}) assertTrue(BrownDetokenizer.attachesToPrevious(w), w);
        for (String w : new String[] {"``", "(", "[", "{", "$"}) assertTrue(BrownDetokenizer.attachesToNext(w), w);
        for (String w : new String[] {"'", "--", "/", "word", "&"}) {
            assertFalse(BrownDetokenizer.attachesToPrevious(w), w);
            assertFalse(BrownDetokenizer.attachesToNext(w), w);
        }
    }
}
