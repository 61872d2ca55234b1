package jprune.lm.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import jprune.nn.data.DataFormatException;
import org.junit.jupiter.api.Test;

/** The cleaning rules on excerpts of real corpus files (test resources, copied byte for byte). */
class BrownFileTest {
    static String excerpt(String name) throws IOException {
        try (InputStream in = BrownFileTest.class.getResourceAsStream("brown/" + name + ".txt")) {
            assertNotNull(in, "test resource brown/" + name + ".txt");
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    static List<String> parse(String excerpt) throws IOException {
        return BrownFile.sentences(excerpt.substring(0, 4), excerpt(excerpt));
    }

    @Test
    void firstSentencesOfCa01() throws IOException {
        // Tab-indented paragraphs, blank lines, quotes, commas, a headline, and "Jr./np ./." at a sentence end.
        assertEquals(List.of(
                "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced \"no evidence\" that any irregularities took place.",
                "The jury further said in term-end presentments that the City Executive Committee, which had over-all charge of the election, \"deserves the praise and thanks of the City of Atlanta\" for the manner in which the election was conducted.",
                "The September-October term jury had been charged by Fulton Superior Court Judge Durwood Pye to investigate reports of possible \"irregularities\" in the hard-fought primary which was won by Mayor-nominate Ivan Allen Jr.",
                "\"Only a relative handful of such reports was received\", the jury said, \"considering the widespread interest in the election, the number of voters and the size of this city\".",
                "The jury said it did find that many of Georgia's registration and election laws \"are outmoded or inadequate and often ambiguous\".",
                "It recommended that Fulton legislators act \"to have these laws studied and revised to the end of modernizing and improving them\".",
                "The grand jury commented on a number of other topics, among them the Atlanta and Fulton County purchasing departments which it said \"are well operated and follow generally accepted practices which inure to the best interest of both governments\".",
                "Merger proposed",
                "However, the jury said it believes \"these two offices should be combined to achieve greater efficiency and reduce the cost of administration\".",
                "The City Purchasing Department, the jury said, \"is lacking in experienced clerical personnel as a result of city personnel policies\".",
                "It urged that the city \"take steps to remedy\" this problem."), parse("ca01-lines-1-31"));
    }

    @Test
    void colonAndParenthesesOfANumberedList() throws IOException {
        assertEquals(List.of(
                "Ask jail deputies",
                "On other matters, the jury recommended that: (1)",
                "Four additional deputies be employed at the Fulton County Jail and \"a doctor, medical intern or extern be employed for night and weekend duty at the jail\".",
                "(2)",
                "Fulton legislators \"work with city officials to pass enabling legislation that will permit the establishment of a fair and equitable\" pension plan for city employes."),
                parse("ca01-lines-70-74"));
    }

    @Test
    void doubledQuestionMarksAndAClosingQuoteOnALineOfItsOwn() throws IOException {
        // "?/. ?/." ends both lines; the closing ''/'' sits alone on the next line.
        assertEquals(List.of(
                "This excellent foreign bomb takes only six.",
                "When I had my big job with the double headlights and yards of chrome, the gas people were happy to see me.",
                "\"Tires OK?",
                "Check the oil and water, sir?\""), parse("ca32-lines-196-205"));
    }

    @Test
    void closingParenthesisOnALineOfItsOwn() throws IOException {
        assertEquals(List.of("(Leave off the ham and you call it Chicken Pontiac, says Ramsey.)"), parse("ca29-lines-158-161"));
    }

    @Test
    void semicolonsEndLinesOnceAndStrayPunctuationJoinsTheLineBefore() throws IOException {
        // ";/. ;/." and "!/. !/." at line ends; a line starting with ''/'' and one holding ")/) ./.".
        assertEquals(List.of(
                "They lacked time to prepare the Congo, as the British and French had prepared their colonies.",
                "The Congolese were clamoring for their independence, even though most were unsure what it meant;",
                "and in Brussels, street crowds shouted, \"Pas une goutte de sang!\"",
                "(Not one drop of blood!)."), parse("ca41-lines-62-66"));
    }

    @Test
    void headlinesAndAPeriodOnALineOfItsOwn() throws IOException {
        assertEquals(List.of(
                "A good man departs.",
                "Goodby, Mr. Sam.",
                "Sam Rayburn was a good man, a good American, and, third, a good Democrat.",
                "He was all of these rolled into one sturdy figure;",
                "Mr. Speaker, Mr. Sam, and Mr. Democrat, at one and the same time."), parse("cb03-lines-1-12"));
    }

    @Test
    void singleQuotesOpenAndClose() throws IOException {
        assertEquals(List.of("Yet your editorial said: \"Now the Attorney General writes that no considerations 'justify any loss of revenue of this proportion'\"."),
                parse("cb16-lines-183-184"));
    }

    @Test
    void doubledCommaAfterARegnalNumber() throws IOException {
        assertEquals(List.of("A British writer, Richard Haestier, in a book, Dead Men Tell Tales, recalls that in the turmoil preceding the French "
                + "Revolution the body of Henry 4, who had died nearly 180 years earlier, was torn to pieces by a mob."), parse("cb20-lines-79-79"));
    }

    @Test
    void inchMarksAndWordsWithSlashes() throws IOException {
        assertEquals(List.of(
                "Tappets and locking bars",
                "Draw-file No. 1 tappet to a smooth fit in its respective slot and square the ends.",
                "Break the end corners with a slight 45 degree chamfer.",
                "Drill a No. 50 hole 1-1/4\" from one end and tap 2-56.",
                "(See Fig. 7.)",
                "Put a 2-56 roundhead screw into the hole, cut off the excess threads and file flush with the underside of the bar.",
                "To find the other stop screw position, insert the tappet into the frame and hold the screw head tight against the frame edge."),
                parse("ce07-lines-124-130"));
    }

    @Test
    void aSlashTaggedAsAPrepositionJoinsItsNeighbours() throws IOException {
        String s = parse("cj06-lines-69-69").getFirst();
        assertTrue(s.startsWith("The fraction of exchange was determined as the ratio of the counts/minute observed in the carbon tetrachloride to the counts/minute calculated"), s);
    }

    @Test
    void theTagFollowsTheLastSlash() throws DataFormatException {
        assertEquals(List.of("1/2", "and/or", "/", "AAb/", "ca.", "--"), BrownFile.words("x", 1, "\t1/2/cd and/or/cc //in AAb//nn ca./nn --/-- "));
        assertEquals(List.of(), BrownFile.words("x", 1, " \t "));
    }

    @Test
    void windowsLineEndsReadTheSame() throws IOException {
        String text = excerpt("ca41-lines-62-66");
        assertEquals(BrownFile.sentences("ca41", text), BrownFile.sentences("ca41", text.replace("\n", "\r\n")));
    }

    @Test
    void aTokenWithoutWordOrTagIsAnErrorNamingFileAndLine() {
        for (String bad : new String[] {"The/at jury", "The/at jury/", "The/at /nn"}) {
            DataFormatException e = assertThrows(DataFormatException.class, () -> BrownFile.sentences("cb07", "\n\n\tOK/jj ./.\n" + bad + "\n"));
            assertTrue(e.getMessage().startsWith("Brown corpus file cb07, line 4: token '"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void emptyAndBlankFilesHaveNoSentences() throws DataFormatException {
        assertEquals(List.of(), BrownFile.sentences("ca01", ""));
        assertEquals(List.of(), BrownFile.sentences("ca01", "\n\n\t\n  \n"));
    }

    @Test
    void strayPunctuationStaysWhenThereIsNoLineToJoin() throws DataFormatException {
        assertEquals(List.of("\"", "Hello."), BrownFile.sentences("x", "''/''\n\nHello/uh ./.\n"));
        assertEquals(List.of("Hello.", "("), BrownFile.sentences("x", "Hello/uh ./.\n(/(\n"));
    }
}
